// Spoken chores: record in the browser (MediaRecorder), let Reverie's own speech recognition hear
// it (POST /api/speech), and put what it understood into the chore box for the operator to check
// and send. Nothing is queued until they press the box's button.
import { operator } from "/static/api.js";

async function hear(blob, robot) {
  const query = robot ? `?robot=${encodeURIComponent(robot)}` : "";
  const response = await fetch(`/api/speech${query}`, {
    method: "POST",
    headers: { "Content-Type": blob.type.split(";")[0] || "audio/webm", "X-Reverie-Operator": operator() },
    body: blob,
    credentials: "same-origin",
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.detail || `speech: HTTP ${response.status}`);
  return data;
}

// Make `button` a push-to-talk toggle for `input`: click to record, click again to stop.
export function attachMicrophone(button, input, robot, say) {
  let recorder = null;
  button.addEventListener("click", async () => {
    if (recorder) { recorder.stop(); return; }
    if (!navigator.mediaDevices?.getUserMedia || !window.MediaRecorder) {
      say("this browser cannot record audio here (it needs https or localhost)", true);
      return;
    }
    let stream;
    try { stream = await navigator.mediaDevices.getUserMedia({ audio: true }); }
    catch (err) { say(`no microphone: ${err.message}`, true); return; }
    const chunks = [];
    recorder = new MediaRecorder(stream);
    recorder.ondataavailable = (event) => { if (event.data.size) chunks.push(event.data); };
    recorder.onstop = async () => {
      stream.getTracks().forEach((track) => track.stop());
      recorder = null;
      button.classList.remove("recording");
      button.textContent = "Speak";
      say("listening to the recording…");
      try {
        const heard = await hear(new Blob(chunks, { type: chunks[0]?.type || "audio/webm" }), robot);
        input.value = heard.understood;
        input.focus();
        const fixed = heard.echo ? ` (${heard.echo})` : "";
        say(`heard "${heard.heard}"${fixed}: check the chore box, then send it`);
      } catch (err) { say(err.message, true); }
    };
    recorder.start();
    button.classList.add("recording");
    button.textContent = "Done";
    say("recording: click Done when you have said the chore");
  });
}
