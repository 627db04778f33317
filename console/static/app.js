// The operator console page: renders one card per robot from the /ws state pushes, shows camera
// frames as they arrive, and calls the HTTP API for chores and stops. Plain ES module, no build.
import { api, operator, setOperator } from "/static/api.js";
import { attachMicrophone } from "/static/speech.js";

const cards = new Map(); // robot id -> card element
const main = document.getElementById("robots");
const message = document.getElementById("message");

const operatorInput = document.getElementById("operator");
operatorInput.value = operator();
operatorInput.addEventListener("change", () => {
  if (operatorInput.checkValidity() && operatorInput.value) setOperator(operatorInput.value);
  else operatorInput.value = operator();
});

function say(text, isError = false) {
  message.textContent = text;
  message.style.color = isError ? "#ff8a80" : "";
}

document.getElementById("stop-all").addEventListener("click", async () => {
  // acts at once: no confirmation dialog
  try {
    const result = await api("POST", "/api/stop-all");
    const failed = Object.keys(result.failed);
    say(failed.length ? `stop failed on ${failed.join(", ")}` : `stopped ${result.stopped.length} robots`,
      failed.length > 0);
  } catch (err) { say(err.message, true); }
});

document.getElementById("fleet-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("fleet-chore");
  const robots = [...cards].filter(([, el]) => el.querySelector(".select").checked).map(([id]) => id);
  if (!robots.length) { say("tick the robots this chore is for", true); return; }
  try {
    const accepted = await api("POST", "/api/chores", { robots, chore: input.value });
    say(`queued "${accepted[0].chore}" on ${robots.join(", ")}`);
    input.value = "";
  } catch (err) { say(err.message, true); }
});

attachMicrophone(document.querySelector("#fleet-form .mic"), document.getElementById("fleet-chore"), null, say);

function card(robot) {
  let el = cards.get(robot.id);
  if (el) return el;
  el = document.getElementById("card").content.firstElementChild.cloneNode(true);
  el.dataset.robot = robot.id;
  el.querySelector(".name").textContent = robot.id;
  el.querySelector(".stop-one").addEventListener("click", async () => {
    try { await api("POST", `/api/robots/${robot.id}/stop`); say(`stopped ${robot.id}`); }
    catch (err) { say(err.message, true); }
  });
  el.querySelector(".chore-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = el.querySelector(".chore-input");
    try {
      const accepted = await api("POST", `/api/robots/${robot.id}/chores`, { chore: input.value });
      say(`${robot.id}: queued "${accepted.chore}" (#${accepted.position})`);
      input.value = "";
    } catch (err) { say(err.message, true); }
  });
  attachMicrophone(el.querySelector(".mic"), el.querySelector(".chore-input"), robot.id, say);
  el.querySelector(".pause").addEventListener("click", async (event) => {
    const action = event.target.dataset.action;
    try { await api("POST", `/api/robots/${robot.id}/${action}`); say(`${robot.id}: ${action}d`); }
    catch (err) { say(err.message, true); }
  });
  el.querySelector(".control").addEventListener("click", async (event) => {
    try {
      if (event.target.dataset.action === "release") {
        await api("DELETE", `/api/robots/${robot.id}/control`);
      } else {
        await api("POST", `/api/robots/${robot.id}/control`, { operator: operator() });
      }
    } catch (err) { say(err.message, true); }
  });
  el.querySelector(".resume-interrupted").addEventListener("click", async () => {
    try { await api("POST", `/api/robots/${robot.id}/interrupted/resume`); }
    catch (err) { say(err.message, true); }
  });
  el.querySelector(".discard-interrupted").addEventListener("click", async () => {
    try { await api("DELETE", `/api/robots/${robot.id}/interrupted`); }
    catch (err) { say(err.message, true); }
  });
  const confirm = el.querySelector(".clear-confirm");
  const clear = el.querySelector(".clear");
  confirm.addEventListener("change", () => { clear.disabled = !confirm.checked; });
  clear.addEventListener("click", async () => {
    try {
      await api("POST", `/api/robots/${robot.id}/clear-stop`, { confirm: true });
      confirm.checked = false; clear.disabled = true;
      say(`${robot.id}: e-stop cleared`);
    } catch (err) { say(err.message, true); }
  });
  main.appendChild(el);
  cards.set(robot.id, el);
  return el;
}

function list(ul, items, render) {
  ul.replaceChildren(...items.map((item) => {
    const li = document.createElement("li");
    render(li, item);
    return li;
  }));
}

function renderRobot(robot) {
  const el = card(robot);
  const status = el.querySelector(".status");
  status.textContent = robot.status;
  status.className = `status ${robot.status}`;
  el.dataset.status = robot.status;
  const last = robot.history[0];
  const shown = robot.chore ? robot : (last || { plan: [], verdicts: [] });
  el.querySelector(".chore").textContent = robot.chore ? `doing: ${robot.chore.chore}`
    : (last ? `last: ${last.chore} (${last.outcome})` : "no chore");
  list(el.querySelector(".plan"), shown.plan || [], (li, step) => {
    li.textContent = step.instruction;
    li.className = step.state;
    li.dataset.state = step.state;
  });
  list(el.querySelector(".verdicts"), shown.verdicts || [], (li, v) => {
    const score = v.score == null ? "?" : Number(v.score).toFixed(2);
    li.textContent = `${v.subtask}: ${v.claimed ? "done" : "score"} ${score}` +
      (v.effects == null ? "" : ` (effects ${v.effects ? "hold" : "not yet"})`);
  });
  list(el.querySelector(".queue"), robot.queue, (li, chore) => {
    li.textContent = `queued: ${chore.chore} `;
    const cancel = document.createElement("button");
    cancel.textContent = "cancel";
    cancel.type = "button";
    cancel.addEventListener("click", async () => {
      try { await api("DELETE", `/api/robots/${robot.id}/chores/${chore.id}`); }
      catch (err) { say(err.message, true); }
    });
    const up = document.createElement("button");
    up.textContent = "↑";
    up.type = "button";
    up.title = "run sooner";
    up.addEventListener("click", async () => {
      const position = Math.max(1, robot.queue.findIndex((c) => c.id === chore.id));
      try { await api("POST", `/api/robots/${robot.id}/chores/${chore.id}/move`, { position }); }
      catch (err) { say(err.message, true); }
    });
    li.append(up, cancel);
  });
  list(el.querySelector(".history"), robot.history, (li, h) => {
    const truth = h.ground_truth == null ? "" : ` (measured: ${h.ground_truth ? "done" : "not done"})`;
    li.textContent = `${h.chore}: ${h.outcome}${truth} `;
    li.dataset.outcome = h.outcome;
    if (h.video) {
      const link = document.createElement("a");
      link.href = `/api/robots/${robot.id}/runs/${h.run_id}/video.mp4`;
      link.target = "_blank";
      link.className = "video";
      link.textContent = "video";
      li.append(link);
    }
  });
  el.querySelector(".clear-row").hidden = !robot.estopped;
  el.querySelector(".interrupted-row").hidden = !robot.interrupted;
  el.querySelector(".interrupted").textContent = robot.interrupted
    ? `interrupted when the console stopped: ${robot.interrupted.chore}` : "";
  el.querySelector(".controller").textContent = robot.operator ? `controlled by ${robot.operator}` : "";
  const control = el.querySelector(".control");
  const mine = robot.operator === operator();
  control.dataset.action = mine ? "release" : "take";
  control.textContent = mine ? "Release" : "Take control";
  control.disabled = Boolean(robot.operator) && !mine;
  const pause = el.querySelector(".pause");
  pause.hidden = !robot.chore;
  pause.dataset.action = robot.paused ? "resume" : "pause";
  pause.textContent = robot.paused ? "Resume" : "Pause";
  el.querySelector(".error").textContent = robot.error || "";
}

function showFrame(id, seq, jpeg) {
  const el = cards.get(id);
  if (!el) return;
  const img = el.querySelector(".camera");
  img.src = `data:image/jpeg;base64,${jpeg}`;
  img.dataset.seq = seq;
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws`);
  const state = document.getElementById("connection");
  ws.onopen = () => { state.textContent = "live"; };
  ws.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.type === "state") msg.robots.forEach(renderRobot);
    else if (msg.type === "frame") showFrame(msg.robot, msg.seq, msg.jpeg);
  };
  ws.onclose = () => {
    state.textContent = "disconnected; retrying…";
    setTimeout(connect, 1000);
  };
}

connect();
