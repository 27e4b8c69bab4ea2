// Cart fragment: change quantities and remove lines through the cart's own BFF.
// It tells the rest of the page with a `cart:updated` event and touches only its own root.
// The BFF decides what stock allows ("Only 3 left."); a refused change puts the box back.
// A change answered while pricing is out (`complete` false) shows no subtotal, and says why.
// Its words come in the page's language from the fragment's root (data-t-*), the BFF's in the
// same (the gateway tells it); amounts as the page shows them (in won on a Korean page, at
// the kit's rate: fragments/kit/money.py).
const csrfToken = () => (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";

const money = (cents, currency, wonPerCent) =>
  wonPerCent
    ? `₩${(cents * wonPerCent).toLocaleString("en-US")}`
    : new Intl.NumberFormat("en", { style: "currency", currency }).format(cents / 100);

const problem = async (response, t) => {
  try {
    const body = await response.json();
    if (typeof body.detail === "string") return body.detail;
  } catch (error) { /* not JSON */ }
  return t.tFailed.replace("{status}", String(response.status));
};

for (const root of document.querySelectorAll(".cart")) {
  const status = root.querySelector(".cart__status");
  const t = root.dataset;
  const currency = t.currency;
  const wonPerCent = Number(t.wonPerCent) || 0;
  const most = Number(t.maxQuantity);
  // Enabled once this script listens.
  for (const control of root.querySelectorAll(".cart__line input, .cart__remove")) control.disabled = false;

  const send = async (method, sku, body) => {
    const response = await fetch(`/bff/cart/items/${encodeURIComponent(sku)}`, {
      method,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw new Error(await problem(response, t));
    return response.json();
  };

  const show = (cart) => {
    for (const row of root.querySelectorAll(".cart__line")) {
      const line = cart.lines.find((l) => l.sku === row.dataset.sku);
      if (!line) { row.remove(); continue; }
      const input = row.querySelector("input");
      input.dataset.quantity = String(line.quantity);
      if (row.wanted === undefined) input.value = input.dataset.quantity; // not over a newer one
      input.max = String(line.available === null ? most : Math.min(most, line.available));
      row.querySelector("[data-stock-note]").textContent = line.stock_note || "";
      row.querySelector("[data-line-total]").textContent =
        line.line_cents === null ? "" : money(line.line_cents, currency, wonPerCent);
    }
    const summary = root.querySelector(".cart__summary");
    if (summary) {
      summary.querySelector("[data-count]").textContent =
        (cart.count === 1 ? t.tItem : t.tItems).replace("{count}", String(cart.count));
      // Without every line's price (pricing out after a change the cart took) the sum
      // would be a wrong figure: none is shown, and the summary says prices are unavailable.
      summary.querySelector("[data-subtotal]").textContent =
        cart.complete ? money(cart.subtotal_cents, currency, wonPerCent) : "";
      summary.querySelector("[data-prices-unavailable]").hidden = cart.complete;
      summary.hidden = cart.lines.length === 0;
    }
    root.querySelector(".cart__empty").hidden = cart.lines.length > 0;
    document.dispatchEvent(new CustomEvent("cart:updated", { detail: { count: cart.count } }));
  };

  // Where focus goes when the line holding it leaves the cart: the next line's box, else the
  // status that says what happened (a removed element would drop focus to the page).
  const showFor = (row, cart, hadFocus) => {
    const next = row.nextElementSibling;
    show(cart);
    if (!hadFocus || row.isConnected) return;
    const box = (next && next.isConnected && next.querySelector("input"))
      || root.querySelector(".cart__line input");
    (box || status).focus();
  };

  // A quantity box is never disabled while its change is saved: disabling it would drop the
  // keyboard's focus (three ArrowUps would make one change). Changes made meanwhile wait,
  // and the last of them is saved next; a change to what is already saved sends nothing.
  const save = async (row, input) => {
    row.saving = true;
    input.setAttribute("aria-busy", "true");
    try {
      while (row.wanted !== undefined && row.isConnected) {
        const quantity = row.wanted;
        row.wanted = undefined;
        if (String(quantity) === input.dataset.quantity) continue;
        try {
          const cart = await send("PATCH", row.dataset.sku, { quantity });
          showFor(row, cart, row.contains(document.activeElement)); // where it is by now
          status.textContent = quantity === 0 ? t.tRemoved : t.tUpdated;
        } catch (error) {
          status.textContent = error.message;
          // A change made while this one was refused is the shopper's latest: it is sent
          // next; without one, the box shows what the cart holds.
          if (row.wanted === undefined) input.value = input.dataset.quantity;
        }
      }
    } finally {
      row.saving = false;
      input.removeAttribute("aria-busy");
    }
  };

  root.addEventListener("change", (event) => {
    const input = event.target.closest(".cart__line input");
    if (!input) return;
    const row = input.closest(".cart__line");
    const quantity = input.value.trim() === "" ? NaN : Number(input.value);
    if (!Number.isInteger(quantity) || quantity < 0 || quantity > most) {
      input.value = input.dataset.quantity;
      status.textContent = t.tChoose.replace("{most}", input.max);
      return;
    }
    row.wanted = quantity;
    if (!row.saving) save(row, input);
  });

  root.addEventListener("click", async (event) => {
    const button = event.target.closest(".cart__remove");
    if (!button) return;
    const row = button.closest(".cart__line");
    const hadFocus = row.contains(document.activeElement);
    button.disabled = true;
    try {
      showFor(row, await send("DELETE", row.dataset.sku), hadFocus);
      status.textContent = t.tRemoved;
    } catch (error) {
      button.disabled = false;
      status.textContent = error.message;
    }
  });
}
