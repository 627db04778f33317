// Calls to the console's HTTP API (documented at /docs and /openapi.json). The operator token,
// when the console has one, travels in the cookie set when the page was opened as /?token=…
export async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.detail || `${method} ${path}: HTTP ${response.status}`);
  return data;
}
