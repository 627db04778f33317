// Calls to the console's HTTP API (documented at /docs and /openapi.json). The operator token,
// when the console has one, travels in the cookie set when the page was opened as /?token=…
// Commands carry the operator's name: a robot under one operator's control takes commands (not
// stops) from them only.
export function operator() {
  let name = localStorage.getItem("reverie-operator");
  if (!name) {
    name = `operator-${Math.random().toString(36).slice(2, 6)}`;
    localStorage.setItem("reverie-operator", name);
  }
  return name;
}

export function setOperator(name) {
  localStorage.setItem("reverie-operator", name);
}

export async function api(method, path, body) {
  const headers = { "X-Reverie-Operator": operator() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.detail || `${method} ${path}: HTTP ${response.status}`);
  return data;
}
