// Header fragment: the mini-cart follows `cart:updated` events from any fragment.
for (const count of document.querySelectorAll(".site-header [data-cart-count]")) {
  document.addEventListener("cart:updated", (event) => {
    const value = Number(event.detail && event.detail.count);
    if (!Number.isFinite(value)) return;
    count.textContent = String(value);
    count.closest(".site-header__cart").setAttribute("aria-label", `Cart, ${value} items`);
    count.classList.remove("site-header__count--bump");
    void count.offsetWidth; // restart the animation
    count.classList.add("site-header__count--bump");
  });
}
