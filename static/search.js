// Site search with Pagefind's JavaScript API: results as the reader types, topic and source
// filters, date order. Loaded by the search page only; no other page runs JavaScript.
const form = document.querySelector(".search-form");
const input = document.getElementById("search-query");
const topic = document.getElementById("search-topic");
const source = document.getElementById("search-source");
const sort = document.getElementById("search-sort");
const statusLine = document.querySelector(".search-status");
const list = document.querySelector(".search-results");
const MAX_RESULTS = 30;

const pagefind = await import(form.dataset.bundle + "pagefind.js");
await pagefind.options({ baseUrl: form.dataset.base });
await pagefind.init();

function fill(select, counts) {
  for (const name of Object.keys(counts || {}).sort((a, b) => a.localeCompare(b))) {
    select.append(new Option(`${name} (${counts[name]})`, name));
  }
}

// Pagefind's excerpt is HTML with <mark> around the matches: keep the marks and the text only.
function excerpt(html) {
  const parsed = new DOMParser().parseFromString(`<p>${html}</p>`, "text/html");
  const paragraph = document.createElement("p");
  paragraph.className = "teaser-summary";
  for (const node of parsed.body.firstChild.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      paragraph.append(mark);
    } else {
      paragraph.append(node.textContent);
    }
  }
  return paragraph;
}

function item(result) {
  const li = document.createElement("li");
  li.className = "teaser";
  if (result.meta.date) {
    const meta = document.createElement("p");
    meta.className = "teaser-meta";
    meta.textContent = result.meta.date;
    li.append(meta);
  }
  const heading = document.createElement("h2");
  heading.className = "teaser-title";
  const link = document.createElement("a");
  link.href = result.url;
  link.textContent = result.meta.title || result.url;
  heading.append(link);
  li.append(heading, excerpt(result.excerpt));
  return li;
}

let latest = 0;
async function run() {
  const query = input.value.trim();
  const filters = {};
  if (topic.value) filters.topic = topic.value;
  if (source.value) filters.source = source.value;
  const params = new URLSearchParams();
  for (const [key, value] of [["q", query], ["topic", topic.value], ["source", source.value], ["sort", sort.value]]) {
    if (value) params.set(key, value);
  }
  history.replaceState(null, "", params.size ? `?${params}` : location.pathname);
  const ticket = ++latest;
  if (!query && !Object.keys(filters).length) {
    list.replaceChildren();
    statusLine.textContent = "";
    return;
  }
  const options = { filters };
  if (sort.value) options.sort = { date: sort.value };
  const search = await pagefind.search(query || null, options);
  const found = await Promise.all(search.results.slice(0, MAX_RESULTS).map((r) => r.data()));
  if (ticket !== latest) return; // a newer search has started meanwhile
  list.replaceChildren(...found.map(item));
  const total = search.results.length;
  statusLine.textContent =
    total === 0 ? said("none", total, "No articles found.") :
    total > MAX_RESULTS ? said("more", total, `${total} articles found; the first ${MAX_RESULTS} are shown.`) :
    said("found", total, `${total} ${total === 1 ? "article" : "articles"} found.`);
}

// The page gives each sentence in its language, one per plural category (data-found-one,
// data-found-few...); English when a site's own search page does not.
const plurals = new Intl.PluralRules(document.documentElement.lang || "en");
function said(kind, total, english) {
  const words = statusLine.dataset;
  const category = plurals.select(total);
  const text = kind === "none" ? words.none :
    words[kind + category[0].toUpperCase() + category.slice(1)] ?? words[kind + "Other"];
  if (!text) return english;
  return text.replace("{count}", String(total)).replace("{shown}", String(MAX_RESULTS));
}

const filterValues = await pagefind.filters();
fill(topic, filterValues.topic);
fill(source, filterValues.source);
document.querySelector(".search-options").hidden = false;

const params = new URLSearchParams(location.search);
input.value = params.get("q") || "";
topic.value = params.get("topic") || "";
source.value = params.get("source") || "";
sort.value = params.get("sort") || "";

let timer;
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(run, 150);
});
for (const select of [topic, source, sort]) select.addEventListener("change", run);
form.addEventListener("submit", (event) => {
  event.preventDefault();
  run();
});
run();
