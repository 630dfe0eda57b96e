// The query page: a plain textarea, example queries, and results as a table. No external assets.
"use strict";

const PREFIXES = `PREFIX cg: <https://w3id.org/commons-graph/ns#>
PREFIX schema: <https://schema.org/>
PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX essglobal: <https://lod.coop/essglobal/2.1/vocab/>
`;

const EXAMPLES = [
  ["Triples per graph (every source)", `SELECT ?graph (COUNT(*) AS ?triples)
WHERE { GRAPH ?graph { ?s ?p ?o } }
GROUP BY ?graph
ORDER BY DESC(?triples)`],
  ["Co-ops by postcode (co-op directories)", `SELECT ?org ?name ?postcode
WHERE {
  ?org a cg:Organisation ;
       schema:name ?name ;
       schema:address/schema:postalCode ?postcode .
  FILTER(STRSTARTS(?postcode, "M1"))
}
ORDER BY ?postcode
LIMIT 50`],
  ["GLAM institutions with open collections and their rights (Open GLAM Survey)", `SELECT ?institution ?name ?collection ?rights
WHERE {
  ?institution a cg:HeritageInstitution ;
               schema:name ?name ;
               cg:openCollection ?collection .
  OPTIONAL { ?collection cg:rights ?rights }
}
LIMIT 50`],
  ["Wikidata items and what they are instances of (P31)", `SELECT ?item ?label ?class
WHERE {
  ?item wdt:P31 ?class .
  OPTIONAL { ?item rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }
}
LIMIT 50`],
  ["GLAM institutions joined to their Wikidata items (cross-source link)", `SELECT ?institution ?name ?item ?class
WHERE {
  ?institution a cg:HeritageInstitution ;
               schema:name ?name ;
               cg:wikidata ?item .
  OPTIONAL { ?item wdt:P31 ?class }
}
LIMIT 50`],
  ["Where a fact comes from (provenance)", `SELECT ?graph ?p ?o
WHERE { GRAPH ?graph { ?s schema:name ?o ; ?p ?o } }
LIMIT 20`],
];

const textarea = document.getElementById("query");
const select = document.getElementById("examples");
const status = document.getElementById("status");
const results = document.getElementById("results");
const endpoint = new URL("/sparql", window.location.href).href;
document.getElementById("endpoint").textContent = endpoint;

EXAMPLES.forEach(([label], i) => select.add(new Option(label, String(i))));
function load(i) { textarea.value = PREFIXES + "\n" + EXAMPLES[i][1] + "\n"; }
select.addEventListener("change", () => load(Number(select.value)));
const fromUrl = new URLSearchParams(window.location.search).get("q");
if (fromUrl) { textarea.value = fromUrl; } else { load(0); }

function cell(term) {
  const td = document.createElement("td");
  if (!term) return td;
  if (term.type === "uri") {
    const a = document.createElement("a");
    a.href = term.value; a.textContent = term.value; a.rel = "noopener nofollow";
    td.appendChild(a);
  } else if (term.type === "bnode") {
    td.textContent = "_:" + term.value;
  } else {
    let text = term.value;
    if (term["xml:lang"]) text += " @" + term["xml:lang"];
    td.textContent = text;
    if (term.datatype) td.title = term.datatype;
  }
  return td;
}

function table(json) {
  const t = document.createElement("table");
  const head = t.createTHead().insertRow();
  json.head.vars.forEach((v) => { const th = document.createElement("th"); th.textContent = v; head.appendChild(th); });
  const body = t.createTBody();
  json.results.bindings.forEach((b) => {
    const row = body.insertRow();
    json.head.vars.forEach((v) => row.appendChild(cell(b[v])));
  });
  return t;
}

async function run(event) {
  event.preventDefault();
  status.textContent = "Running…";
  results.replaceChildren();
  const started = performance.now();
  try {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
      body: textarea.value,
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok) {
      const body = type.includes("json") ? (await response.json()).error.message : await response.text();
      const p = document.createElement("p"); p.className = "error"; p.textContent = response.status + ": " + body;
      results.appendChild(p); status.textContent = "";
      return;
    }
    if (response.headers.get("Commons-Graph-Truncated") === "true") {
      const p = document.createElement("p"); p.className = "warning";
      p.textContent = "The result was cut at the row cap of " + response.headers.get("Commons-Graph-Row-Cap") + " rows.";
      results.appendChild(p);
    }
    if (type.includes("sparql-results+json")) {
      const json = await response.json();
      if ("boolean" in json) {
        const p = document.createElement("p"); p.textContent = "Answer: " + json.boolean; results.appendChild(p);
        status.textContent = seconds + " s";
      } else {
        results.appendChild(table(json));
        status.textContent = json.results.bindings.length + " rows in " + seconds + " s";
      }
    } else {
      const pre = document.createElement("pre"); pre.textContent = await response.text(); results.appendChild(pre);
      status.textContent = seconds + " s";
    }
  } catch (err) {
    status.textContent = "Network error: " + err;
  }
}
document.getElementById("query-form").addEventListener("submit", run);
fetch(endpoint, { method: "POST", body: "ASK {}",
  headers: { "Accept": "application/sparql-results+json", "Content-Type": "application/sparql-query" } })
  .then((r) => { const cap = r.headers.get("Commons-Graph-Row-Cap"); if (cap) document.getElementById("row-cap").textContent = cap; })
  .catch(() => {});
