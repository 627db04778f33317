"""The console's HTTP API against a real server and two real simulated robots (fleet up)."""

from __future__ import annotations

import concurrent.futures
import time

import httpx

from console.robots import MAX_QUEUE
from robot_bridge.client import RobotClient
from tests.console.conftest import robot_addresses, wait_for


def test_page_and_openapi_are_served(console):
    page = httpx.get(console + "/")
    assert page.status_code == 200 and "STOP ALL" in page.text and "app.js" in page.text
    assert httpx.get(console + "/static/app.js").status_code == 200
    paths = httpx.get(console + "/openapi.json").json()["paths"]
    for path in (
        "/api/robots",
        "/api/robots/{robot_id}/chores",
        "/api/robots/{robot_id}/chores/{chore_id}",
        "/api/robots/{robot_id}/stop",
        "/api/robots/{robot_id}/clear-stop",
        "/api/stop-all",
    ):
        assert path in paths


def test_every_robot_has_a_card_state_and_a_live_camera(console):
    robots = httpx.get(console + "/api/robots").json()
    assert [r["id"] for r in robots] == ["robot-1", "robot-2"]
    assert all(r["status"] == "idle" and r["executor"] == "scripted" for r in robots)
    first = {r["id"]: r["frame_seq"] for r in robots}
    time.sleep(2.0)
    later = {r["id"]: r["frame_seq"] for r in httpx.get(console + "/api/robots").json()}
    for rid in first:
        assert later[rid] - first[rid] >= 8, f"{rid}: {later[rid] - first[rid]} frames in 2 s"
    jpeg = httpx.get(console + "/api/robots/robot-1/camera.jpg")
    assert jpeg.headers["content-type"] == "image/jpeg" and jpeg.content[:2] == b"\xff\xd8"


def test_chores_sent_to_two_robots_at_once_both_finish(console, fleet):
    def send(rid: str) -> dict:
        reply = httpx.post(f"{console}/api/robots/{rid}/chores", json={"chore": "press the button"})
        assert reply.status_code == 202, reply.text
        return reply.json()

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        accepted = list(pool.map(send, ["robot-1", "robot-2"]))
    assert all(a["position"] == 1 and a["chore"] == "press the button" for a in accepted)

    def finished() -> list[dict] | None:
        robots = httpx.get(console + "/api/robots").json()
        done = [
            next((h for h in r["history"] if h["id"] == a["id"]), None)
            for r, a in zip(robots, accepted, strict=True)
        ]
        return done if all(done) else None

    done = wait_for(finished, 240, "both chores to finish")
    for record in done:
        assert record["outcome"] == "done", record
        assert record["ground_truth"] is True  # the simulator's measure, not the judge's claim
        assert record["subtasks"][0]["skill"] == "press_button"
        # the plan with each subtask's state, and the judge's verdicts, stay in the history
        assert record["plan"] == [{"instruction": "press the button", "state": "done"}]
        assert record["verdicts"][-1]["claimed"] and record["verdicts"][-1]["score"] >= 0.5
    assert all(r["status"] == "idle" for r in httpx.get(console + "/api/robots").json())
    # each chore's video, served from the robot's own runs only
    record = done[0]
    assert record["video"] is True
    video = httpx.get(f"{console}/api/robots/robot-1/runs/{record['run_id']}/video.mp4")
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert video.content[4:8] == b"ftyp" and len(video.content) > 1000
    for bad in (f"robot-2/runs/{record['run_id']}", "robot-1/runs/..%2F..%2Fetc", "robot-1/runs/x"):
        assert httpx.get(f"{console}/api/robots/{bad}/video.mp4").status_code == 404


def test_bad_requests_get_clear_errors_and_change_nothing(console):
    before = httpx.get(console + "/api/robots/robot-1").json()
    url = console + "/api/robots/robot-1/chores"
    cases = [
        (httpx.post(url, json={"chore": ""}), 422, "at least 1 character"),
        (httpx.post(url, json={"chore": "x" * 301}), 422, "at most 300 characters"),
        (httpx.post(url, json={"chore": "open", "robot": "all"}), 422, "robot: Extra inputs"),
        (httpx.post(url, json={"task": "open the drawer"}), 422, "chore: Field required"),
        (
            httpx.post(url, content=b"{not json", headers={"content-type": "application/json"}),
            422,
            "not JSON",
        ),
        (httpx.post(url, json={"chore": "y" * 20_000}), 413, "too large"),
        (httpx.post(console + "/api/robots/robot-9/chores", json={"chore": "a"}), 404, "robot-1"),
        (httpx.post(console + "/api/robots/robot-1/clear-stop", json={}), 422, "confirm"),
        (httpx.delete(url + "/nope"), 404, "no queued chore"),
    ]
    for reply, status, words in cases:
        assert reply.status_code == status, (reply.status_code, reply.text)
        assert words in reply.json()["detail"], reply.json()
    after = httpx.get(console + "/api/robots/robot-1").json()
    assert after["queue"] == before["queue"] == [] and after["history"] == before["history"]


def test_queue_waits_while_stopped_reorder_cancel_selection_and_stop_all_latches_every_robot(
    console, fleet
):
    stop = httpx.post(console + "/api/stop-all")
    assert stop.status_code == 200 and stop.json() == {
        "stopped": ["robot-1", "robot-2"],
        "failed": {},
    }
    for address in robot_addresses(fleet).values():  # checked over the bridge itself
        with RobotClient(address) as robot:
            assert robot.stop(reason="test: is it latched?") is True
    robots = httpx.get(console + "/api/robots").json()
    assert [r["status"] for r in robots] == ["stopped", "stopped"]

    url = console + "/api/robots/robot-2/chores"
    first = httpx.post(url, json={"chore": "open the drawer"}).json()
    second = httpx.post(url, json={"chore": "close the drawer"}).json()
    assert second["position"] == 2
    time.sleep(1.0)  # a stopped robot starts nothing from its queue
    queued = httpx.get(console + "/api/robots/robot-2").json()["queue"]
    assert [c["id"] for c in queued] == [first["id"], second["id"]]
    moved = httpx.post(f"{url}/{second['id']}/move", json={"position": 1})
    assert moved.json()["position"] == 1
    queued = httpx.get(console + "/api/robots/robot-2").json()["queue"]
    assert [c["id"] for c in queued] == [second["id"], first["id"]]
    assert httpx.post(f"{url}/{second['id']}/move", json={"position": 0}).status_code == 422
    assert httpx.delete(f"{url}/{first['id']}").json()["cancelled"] == first["id"]
    queued = httpx.get(console + "/api/robots/robot-2").json()["queue"]
    assert [c["id"] for c in queued] == [second["id"]]
    assert httpx.delete(f"{url}/{second['id']}").status_code == 200

    # one chore for a selection of robots: each queues its own copy, or none does
    many = console + "/api/chores"
    refused = httpx.post(many, json={"robots": ["robot-1", "robot-7"], "chore": "open the drawer"})
    assert refused.status_code == 404 and "robot-7" in refused.json()["detail"]
    assert (
        httpx.post(many, json={"robots": ["robot-1", "robot-1"], "chore": "a"}).status_code == 422
    )
    assert all(not r["queue"] for r in httpx.get(console + "/api/robots").json())
    sent = httpx.post(many, json={"robots": ["robot-1", "robot-2"], "chore": "open the drawer"})
    assert sent.status_code == 202 and [a["robot"] for a in sent.json()] == ["robot-1", "robot-2"]
    for accepted in sent.json():
        assert (
            httpx.delete(
                f"{console}/api/robots/{accepted['robot']}/chores/{accepted['id']}"
            ).status_code
            == 200
        )
    # one full queue refuses the whole selection: the other robot queues nothing either
    filled = [httpx.post(url, json={"chore": f"press the button {i}"}) for i in range(MAX_QUEUE)]
    assert all(r.status_code == 202 for r in filled)
    assert httpx.post(url, json={"chore": "one too many"}).status_code == 429
    refused = httpx.post(many, json={"robots": ["robot-1", "robot-2"], "chore": "open the drawer"})
    assert refused.status_code == 429 and "robot-2" in refused.json()["detail"]
    assert not httpx.get(console + "/api/robots/robot-1").json()["queue"]
    for response in filled:
        assert httpx.delete(f"{url}/{response.json()['id']}").status_code == 200

    clear = httpx.post(console + "/api/robots/robot-2/clear-stop", json={"confirm": True})
    assert clear.status_code == 200
    robots = {r["id"]: r for r in httpx.get(console + "/api/robots").json()}
    assert robots["robot-2"]["status"] == "idle" and robots["robot-1"]["status"] == "stopped"
    with RobotClient(robot_addresses(fleet)["robot-2"]) as robot:
        assert robot.clear_stop() is False  # the console had cleared it already


def test_a_paused_chore_holds_between_chunks_and_resumes_to_the_end(console, fleet):
    url = console + "/api/robots/robot-1"
    assert httpx.post(url + "/pause").status_code == 409  # nothing to pause
    chore = httpx.post(url + "/chores", json={"chore": "press the button"}).json()
    wait_for(lambda: httpx.get(url).json()["chore"], 30, "the chore to start")
    assert httpx.post(url + "/pause").json() == {"robot": "robot-1", "paused": True}
    wait_for(lambda: httpx.get(url).json()["status"] == "paused", 60, "the robot paused")
    with RobotClient(robot_addresses(fleet)["robot-1"]) as robot:
        before = robot.observe().step
        time.sleep(1.0)
        assert robot.observe().step == before  # nothing moves while paused
    assert httpx.post(url + "/resume").json()["paused"] is False
    assert httpx.post(url + "/resume").status_code == 409  # not paused any more

    def record():
        return next((h for h in httpx.get(url).json()["history"] if h["id"] == chore["id"]), None)

    done = wait_for(record, 120, "the resumed chore to finish")
    assert done["outcome"] == "done" and done["ground_truth"] is True

    # a stop ends a paused chore: clearing the stop does not bring it back
    chore = httpx.post(url + "/chores", json={"chore": "press the button"}).json()
    wait_for(lambda: httpx.get(url).json()["chore"], 30, "the second chore to start")
    httpx.post(url + "/pause")
    wait_for(lambda: httpx.get(url).json()["status"] == "paused", 60, "the robot paused again")
    assert httpx.post(url + "/stop").json()["stopped"] == ["robot-1"]
    stopped = wait_for(record, 30, "the paused chore to end as stopped")
    assert stopped["outcome"] == "stopped", stopped
    state = wait_for(
        lambda: (s := httpx.get(url).json())["chore"] is None and s, 10, "the robot idle"
    )
    assert state["paused"] is False and state["status"] == "stopped"
    assert httpx.post(url + "/clear-stop", json={"confirm": True}).status_code == 200
    assert httpx.post(url + "/resume").status_code == 409  # nothing left to resume
    assert httpx.get(url).json()["chore"] is None


def test_one_operator_controls_a_robot_and_anyone_may_stop_it(console):
    url = console + "/api/robots/robot-2"
    alice, bob = {"X-Reverie-Operator": "alice"}, {"X-Reverie-Operator": "bob"}
    assert httpx.post(url + "/control", json={"operator": "alice"}).json()["operator"] == "alice"
    assert httpx.get(url).json()["operator"] == "alice"
    taken = httpx.post(url + "/control", json={"operator": "bob"})
    assert taken.status_code == 409 and "controlled by alice" in taken.json()["detail"]
    for headers in ({}, bob):
        refused = httpx.post(url + "/chores", json={"chore": "open the drawer"}, headers=headers)
        assert refused.status_code == 423 and "controlled by alice" in refused.json()["detail"]
        assert httpx.delete(url + "/control", headers=headers).status_code == 409
    bad = httpx.post(url + "/chores", json={"chore": "a"}, headers={"X-Reverie-Operator": "a b"})
    assert bad.status_code == 422 and "X-Reverie-Operator" in bad.json()["detail"]
    assert httpx.get(url).json()["queue"] == []
    # a stop is never refused, whoever controls the robot
    assert httpx.post(url + "/stop", headers=bob).json()["stopped"] == ["robot-2"]
    assert httpx.post(url + "/clear-stop", json={"confirm": True}, headers=bob).status_code == 423
    cleared = httpx.post(url + "/clear-stop", json={"confirm": True}, headers=alice)
    assert cleared.status_code == 200
    assert httpx.delete(url + "/control", headers=alice).json()["operator"] is None
    assert httpx.get(url).json()["operator"] is None
