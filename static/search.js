// Site search with Pagefind's JavaScript API: results as the reader types, topic and source
// filters, date order. Loaded by the search page only; no other page runs JavaScript.
//
// The index is split by date into partitions, each a Pagefind bundle with one index per
// language (pagefind/partitions.json lists them, oldest first). One Pagefind instance loads the
// page's language from one bundle and every other (partition, language) index is merged into
// it with mergeIndex, so that one search covers the whole archive in every language.
const form = document.querySelector(".search-form");
const input = document.getElementById("search-query");
const topic = document.getElementById("search-topic");
const source = document.getElementById("search-source");
const sort = document.getElementById("search-sort");
const options = document.querySelector(".search-options");
const statusLine = document.querySelector(".search-status");
const list = document.querySelector(".search-results");
const MAX_RESULTS = 30;
const TYPING_PAUSE = 80; // ms after the last key before searching
const FIRST_SHOWN = 6; // results put on screen before the rest have loaded (a screenful)
const bundle = form.dataset.bundle;
const base = form.dataset.base;

let pagefind = null;
let partitions = [];

// Each (partition, language) index carries a filter of its own, so that a search can be asked
// of one of them alone: date order is merged partition by partition (see byDate).
const part = (partition, language) => `${partition.name}/${language}`;

// Pagefind's own choice of index in a bundle for a language (findIndex in pagefind.js).
function indexLanguage(languages, wanted) {
  if (wanted in languages) return wanted;
  const short = wanted.split("-")[0];
  if (short in languages) return short;
  const names = Object.keys(languages);
  names.sort((a, b) => languages[b] - languages[a]);
  return names[0];
}

async function start() {
  const response = await fetch(bundle + "partitions.json", { cache: "no-cache" });
  if (!response.ok) throw new Error(`partitions.json: ${response.status}`);
  partitions = (await response.json()).partitions;
  if (!partitions.length) throw new Error("no partitions");
  const pageLanguage = (document.documentElement.getAttribute("lang") || "unknown").toLowerCase();
  const speaks = (partition) => pageLanguage in partition.languages || pageLanguage.split("-")[0] in partition.languages;
  const newestFirst = [...partitions].reverse();
  const primary = newestFirst.find(speaks) || newestFirst[0];
  const primaryLanguage = indexLanguage(primary.languages, pageLanguage);
  pagefind = await import(`${bundle}${primary.name}/pagefind.js`);
  await pagefind.options({
    basePath: `${bundle}${primary.name}/`,
    baseUrl: base,
    metaCacheTag: primary.tag,
    mergeFilter: { part: part(primary, primaryLanguage) },
  });
  await pagefind.init();
  const merged = [];
  for (const partition of partitions) {
    for (const language of Object.keys(partition.languages)) {
      if (partition === primary && language === primaryLanguage) continue;
      // An absolute URL: Pagefind skips a merge whose path starts like the primary bundle's,
      // which the primary bundle's other languages would.
      const path = new URL(`${bundle}${partition.name}/`, location.href).href;
      merged.push(pagefind.mergeIndex(path, {
        language,
        baseUrl: base,
        metaCacheTag: partition.tag,
        mergeFilter: { part: part(partition, language) },
      }));
    }
  }
  await Promise.all(merged);
}

function totals(name) {
  const counts = {};
  for (const partition of partitions) {
    for (const [value, count] of Object.entries(partition.filters[name] || {})) {
      counts[value] = (counts[value] || 0) + count;
    }
  }
  return counts;
}

function fill(select, counts) {
  for (const name of Object.keys(counts).sort((a, b) => a.localeCompare(b))) {
    select.append(new Option(`${name} (${counts[name]})`, name));
  }
}

// Pagefind matches a word by the words it starts (prefix search); but when an index has no such
// word it falls back on the longest word that the search word starts with: "tokyo" would find
// every page with "to" in each partition that never mentions Tokyo. So each word is first
// looked up exactly, and when every word is found somewhere, only the indexes that hold every
// word are searched, as one index over all pages would do. A word still being typed, or found
// nowhere, is searched as Pagefind does.
const exactly = new Map(); // word -> the (partition, language) indexes that hold it
async function indexesWithEvery(query) {
  if (!query) return null;
  let common = null;
  for (const word of query.split(/\s+/)) {
    if (!exactly.has(word)) {
      // A filter that no page has: Pagefind counts the matches by index (totalFilters, before
      // filtering) without ranking any of them.
      const search = await pagefind.search(`"${word.replaceAll('"', "")}"`, { filters: { part: "-" } });
      const counts = search.totalFilters.part || {};
      exactly.set(word, Object.keys(counts).filter((key) => counts[key] > 0));
    }
    const holding = exactly.get(word);
    if (!holding.length) return null;
    common = common ? common.filter((key) => holding.includes(key)) : holding;
  }
  return common;
}

function within(filters, keys) {
  return keys === null ? filters : { ...filters, part: { any: keys } };
}

// Relevance order, as one index would give it: Pagefind merges the indexes by score.
async function byRelevance(query, filters) {
  const search = await pagefind.search(query, { filters });
  return { total: search.results.length, found: search.results.slice(0, MAX_RESULTS).map((result) => ({ result })) };
}

// Date order. Pagefind scores a sorted result by its place in its own index, so merged indexes
// interleave; but partitions hold consecutive dates, so their results are put one partition
// after another, and only the languages of one partition are merged by their dates.
async function byDate(query, filters, direction) {
  const sorting = { date: direction };
  const counts = await countsByIndex(query, filters);
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
  const found = [];
  const order = direction === "asc" ? partitions : [...partitions].reverse();
  for (const partition of order) {
    const wanted = MAX_RESULTS - found.length;
    if (wanted <= 0) break;
    const keys = Object.keys(partition.languages).map((language) => part(partition, language)).filter((key) => counts[key] > 0);
    if (!keys.length) continue;
    const lists = await Promise.all(keys.map((key) => pagefind.search(query, { filters: { ...filters, part: key }, sort: sorting })));
    if (lists.length === 1) {
      found.push(...lists[0].results.slice(0, wanted).map((result) => ({ result })));
      continue;
    }
    const candidates = await Promise.all(lists.flatMap((search) => search.results.slice(0, wanted)).map(async (result) => ({ result, data: await result.data() })));
    const sign = direction === "asc" ? 1 : -1;
    candidates.sort((a, b) => sign * compareDates(a.data, b.data));
    found.push(...candidates.slice(0, wanted));
  }
  return { total, found };
}

// How many pages match in each (partition, language) index. Without a topic or a source,
// Pagefind counts them before filtering (totalFilters) while ranking none: a filter that no page
// has keeps it from ranking thousands of results that date order would not use.
async function countsByIndex(query, filters) {
  const { part, ...others } = filters;
  if (Object.keys(others).length) {
    return (await pagefind.search(query, { filters })).filters.part || {};
  }
  const counts = (await pagefind.search(query, { filters: { part: "-" } })).totalFilters.part || {};
  const allowed = part ? part.any : Object.keys(counts);
  return Object.fromEntries(allowed.map((key) => [key, counts[key] || 0]));
}

// The order of data-pagefind-sort="date:...": whole seconds since 1970, then the URL.
function compareDates(a, b) {
  const seconds = (data) => Math.floor(Date.parse(data.meta.published) / 1000);
  return seconds(a) - seconds(b) || (a.url < b.url ? -1 : a.url > b.url ? 1 : 0);
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

function item(data) {
  const li = document.createElement("li");
  li.className = "teaser";
  if (data.meta.date) {
    const meta = document.createElement("p");
    meta.className = "teaser-meta";
    meta.textContent = data.meta.date;
    li.append(meta);
  }
  const heading = document.createElement("h2");
  heading.className = "teaser-title";
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = data.meta.title || data.url;
  heading.append(link);
  li.append(heading, excerpt(data.excerpt));
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
    list.setAttribute("aria-busy", "false");
    return;
  }
  list.setAttribute("aria-busy", "true");
  // Without words to rank by, the newest articles of the topic or source come first.
  const direction = sort.value || (query ? "" : "desc");
  const keys = await indexesWithEvery(query);
  const scoped = within(filters, keys);
  const { total, found } =
    keys !== null && !keys.length ? { total: 0, found: [] } :
    direction ? await byDate(query || null, scoped, direction) :
    await byRelevance(query, scoped);
  // The first results go on screen as soon as they have loaded, the others after them.
  const loading = found.map(({ result, data }) => data || result.data());
  const first = await Promise.all(loading.slice(0, FIRST_SHOWN));
  if (ticket !== latest) return; // a newer search has started meanwhile
  list.replaceChildren(...first.map(item));
  list.dataset.query = query; // what the list shows (tests and benchmarks wait for it)
  statusLine.textContent =
    total === 0 ? said("none", total, "No articles found.") :
    total > MAX_RESULTS ? said("more", total, `${total} articles found; the first ${MAX_RESULTS} are shown.`) :
    said("found", total, `${total} ${total === 1 ? "article" : "articles"} found.`);
  const rest = await Promise.all(loading.slice(FIRST_SHOWN));
  if (ticket !== latest) return;
  list.append(...rest.map(item));
  list.setAttribute("aria-busy", "false");
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

try {
  await start();
} catch (error) {
  statusLine.textContent = "Search is not available right now. Please try again later.";
  throw error;
}
fill(topic, totals("topic"));
fill(source, totals("source"));

const params = new URLSearchParams(location.search);
input.value = params.get("q") || "";
topic.value = params.get("topic") || "";
source.value = params.get("source") || "";
sort.value = params.get("sort") || "";
delete options.dataset.pending;

let timer;
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(run, TYPING_PAUSE);
});
for (const select of [topic, source, sort]) select.addEventListener("change", run);
form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(timer);
  run();
});
run();
