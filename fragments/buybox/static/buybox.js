// Buy box fragment: adds to the cart through the cart's BFF, then announces `cart:updated`.
// The cart's BFF caps a line at the stock ("Only 3 left."); its answer says how many of this
// product the cart holds, so the quantity offered here shrinks to what is left to add.
// Its words come in the page's language from the fragment's root (data-t-*).
const csrfToken = () => (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";

for (const root of document.querySelectorAll(".buybox")) {
  const form = root.querySelector(".buybox__form");
  const status = root.querySelector(".buybox__status");
  const t = root.dataset;
  if (!form) continue;
  form.querySelector("button").disabled = false; // enabled once this script listens
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    status.textContent = t.tAdding;
    let allInCart = false;
    try {
      const response = await fetch("/bff/cart/items", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
        body: JSON.stringify({ sku: root.dataset.sku, quantity: Number(form.quantity.value) }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(typeof body.detail === "string" ? body.detail : `HTTP ${response.status}`);
      document.dispatchEvent(new CustomEvent("cart:updated", { detail: { count: body.count } }));
      const line = (body.lines || []).find((l) => l.sku === root.dataset.sku);
      const left = line && line.available !== null ? line.available - line.quantity : Infinity;
      allInCart = left <= 0;
      if (!allInCart) for (const option of [...form.quantity.options]) if (Number(option.value) > left) option.remove();
      const said = allInCart ? `${t.tAdded} ${t.tAll} ` : `${t.tAdded} `;
      status.replaceChildren(said, Object.assign(document.createElement("a"), { href: "/cart", textContent: t.tView }));
    } catch (error) {
      status.textContent = t.tFailed.replace("{reason}", error.message);
    } finally {
      button.disabled = allInCart;
    }
  });
}
