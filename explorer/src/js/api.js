// JSON calls to the same server; a failed call throws with the server's own message.
async function failure(response) {
  let detail = `${response.status} ${response.statusText}`;
  try {
    const body = await response.text();
    try { detail = JSON.parse(body).detail ?? body; } catch { detail = body || detail; }
  } catch { /* keep the status line */ }
  return new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
}

export async function getJSON(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const v of [].concat(value)) if (v !== undefined && v !== null) query.append(key, v);
  }
  const url = query.toString() ? `${path}?${query}` : path;
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw await failure(response);
  return response.json();
}

// SELECT/ASK results as SPARQL JSON, CONSTRUCT/DESCRIBE as Turtle.
export async function sparql(query) {
  const response = await fetch("/sparql", {
    method: "POST",
    headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json, text/turtle;q=0.9" },
    body: query,
  });
  if (!response.ok) throw await failure(response);
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? { kind: "json", data: await response.json() } : { kind: "text", data: await response.text() };
}
