// Buy box fragment: adds to the cart through the cart's BFF, then announces `cart:updated`.
const csrfToken = () => (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";

for (const root of document.querySelectorAll(".buybox")) {
  const form = root.querySelector(".buybox__form");
  const status = root.querySelector(".buybox__status");
  if (!form) continue;
  form.querySelector("button").disabled = false; // enabled once this script listens
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    status.textContent = "Adding…";
    try {
      const response = await fetch("/bff/cart/items", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
        body: JSON.stringify({ sku: root.dataset.sku, quantity: Number(form.quantity.value) }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(typeof body.detail === "string" ? body.detail : `HTTP ${response.status}`);
      document.dispatchEvent(new CustomEvent("cart:updated", { detail: { count: body.count } }));
      status.replaceChildren("Added to your cart. ", Object.assign(document.createElement("a"), { href: "/cart", textContent: "View cart" }));
    } catch (error) {
      status.textContent = `Could not add to your cart: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  });
}
