// Hero fragment: loads more deals through the hero's own BFF. Touches only its own root.
// Its words come in the page's language from the fragment's root (data-t-*); the BFF's deals
// come with their prices formatted in it.
const card = (deal, t) => {
  const item = document.createElement("li");
  item.className = deal.in_stock === false ? "hero__deal hero__deal--out" : "hero__deal";
  const link = document.createElement("a");
  link.href = `/product/${encodeURIComponent(deal.sku)}`;
  const img = document.createElement("img");
  Object.assign(img, { src: deal.image, alt: "", width: 240, height: 200, loading: "lazy" });
  const name = document.createElement("span");
  name.className = "hero__name";
  name.textContent = deal.name;
  const price = document.createElement("span");
  price.className = "hero__price";
  const now = document.createElement("strong");
  now.textContent = deal.price;
  const was = document.createElement("s");
  was.textContent = deal.list_price;
  const saving = document.createElement("span");
  saving.className = "hero__saving";
  saving.textContent = `−${deal.saving_percent}%`;
  price.append(now, " ", was, " ", saving);
  link.append(img, name, price);
  if (deal.in_stock === false) {
    link.append(Object.assign(document.createElement("span"), { className: "hero__out", textContent: t.tOut }));
  }
  item.append(link);
  return item;
};

for (const root of document.querySelectorAll(".hero")) {
  const list = root.querySelector(".hero__deals");
  const more = root.querySelector(".hero__more");
  const status = root.querySelector(".hero__status");
  const t = root.dataset;
  if (!list || !more) continue;
  more.disabled = false; // enabled once this script listens
  more.addEventListener("click", async () => {
    more.disabled = true;
    const page = Number(list.dataset.page) + 1;
    try {
      const response = await fetch(`/bff/hero/deals?page=${page}`, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const data = await response.json();
      list.append(...data.items.map((deal) => card(deal, t)));
      list.dataset.page = String(data.page);
      status.textContent = t.tLoaded.replace("{count}", String(data.items.length));
      more.hidden = !data.has_more;
    } catch (error) {
      status.textContent = t.tFailed;
    } finally {
      more.disabled = false;
    }
  });
}
