// Header fragment: the mini-cart follows `cart:updated` events from any fragment, and the
// language switch brings the shopper back to this very page, query and all.
for (const header of document.querySelectorAll(".site-header")) {
  const count = header.querySelector("[data-cart-count]");
  const { tCartOne, tCartMany } = header.dataset; // "Cart, {count} items", in the page's language
  document.addEventListener("cart:updated", (event) => {
    const value = Number(event.detail && event.detail.count);
    if (!Number.isFinite(value)) return;
    count.textContent = String(value);
    const label = (value === 1 ? tCartOne : tCartMany).replace("{count}", String(value));
    count.closest(".site-header__cart").setAttribute("aria-label", label);
    count.classList.remove("site-header__count--bump");
    void count.offsetWidth; // restart the animation
    count.classList.add("site-header__count--bump");
  });
  // The server knows the page's path, not all of its query (a listing's sort, its page).
  // A listing's price range (`min`, `max`) is in the page's currency, euros or won, so it
  // does not go along into another language, where it would mean another amount.
  for (const link of header.querySelectorAll("[data-locale-switch]")) {
    const url = new URL(link.href, location.href);
    let search = location.search;
    const query = new URLSearchParams(search);
    if (!link.hasAttribute("aria-current") && (query.has("min") || query.has("max"))) {
      query.delete("min");
      query.delete("max");
      const rest = query.toString();
      search = rest ? "?" + rest : "";
    }
    url.searchParams.set("next", location.pathname + search);
    link.href = url.pathname + url.search;
  }
}
