// Checkout fragment: a step at a time (address, delivery, payment, review), each field
// checked before the next step; placing the order goes through the checkout's own BFF,
// which starts a saga in the orders service, and this asks how it went until it ends.
// It touches only its own root, and tells the page about the cart with `cart:updated`.
// Its words come in the page's language from the fragment's root (data-t-*), the BFF's in the
// same (the gateway tells it). Amounts are shown as the page shows them (in won on a Korean
// page, at the kit's rate: fragments/kit/money.py), and what is charged in its own currency.
const csrfToken = () => (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";
const charged = (cents, currency) =>
  new Intl.NumberFormat("en", { style: "currency", currency }).format(cents / 100);
const money = (cents, currency, wonPerCent) =>
  wonPerCent ? `₩${(cents * wonPerCent).toLocaleString("en-US")}` : charged(cents, currency);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const newKey = () => crypto.randomUUID();

const POLLS = 60; // at most, half a second apart: half a minute
const RETRIES = 3; // a request that got no answer is sent again (same key: same order)

const luhn = (digits) => {
  let total = 0;
  [...digits].reverse().forEach((d, i) => {
    let n = Number(d) * (i % 2 ? 2 : 1);
    total += n > 9 ? n - 9 : n;
  });
  return total % 10 === 0;
};

// What each field must be, and what to say when it is not (`t`: the root's words).
const rules = (t) => ({
  name: (v) => (v.trim() ? "" : t.tName),
  street: (v) => (v.trim() ? "" : t.tStreet),
  city: (v) => (v.trim() ? "" : t.tCity),
  postcode: (v) => (v.trim() ? "" : t.tPostcode),
  country: (v) => (v ? "" : t.tCountry),
  number: (v) => {
    const digits = v.replace(/ /g, "");
    if (!/^[0-9]{12,19}$/.test(digits)) return t.tNumber;
    return luhn(digits) ? "" : t.tLuhn;
  },
  // As the BFF and payments read it (tessera/runtime/cards.py): the two-digit year in the
  // century around today, this month or later where it is earliest (UTC-12), at most
  // `data-max-card-years` ahead.
  expiry: (v) => {
    const match = /^(0[1-9]|1[0-2])\/([0-9]{2})$/.exec(v.trim());
    if (!match) return t.tExpiry;
    const now = new Date(Date.now() - 12 * 3600 * 1000);
    const thisYear = now.getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(match[2]);
    if (year < thisYear - 50) year += 100;
    else if (year > thisYear + 50) year -= 100;
    const month = year * 12 + Number(match[1]) - 1;
    const today = thisYear * 12 + now.getUTCMonth();
    if (month < today) return t.tExpired;
    return month > today + 12 * Number(t.maxCardYears) ? t.tTooFar : "";
  },
  cvc: (v) => (/^[0-9]{3,4}$/.test(v.trim()) ? "" : t.tCvc),
});

for (const root of document.querySelectorAll(".checkout")) {
  const form = root.querySelector(".checkout__form");
  if (!form) continue;
  const status = root.querySelector(".checkout__status");
  const t = root.dataset;
  const RULES = rules(t);
  const currency = t.currency;
  const wonPerCent = Number(t.wonPerCent) || 0;
  const subtotal = Number(t.subtotal);
  const steps = [...root.querySelectorAll("[data-step]")];
  const place = form.querySelector(".checkout__place");
  let key = newKey(); // one attempt at placing the order; a new one after it failed
  const storeKey = "tessera-checkout"; // the address typed, kept for a reload (sessionStorage)

  const say = (text, error = false) => {
    status.textContent = text;
    status.classList.toggle("checkout__status--error", error);
  };

  // Each step is an entry of the browser's history: Back returns to the step before, not
  // out of the checkout, and Forward to the next one again (the form's fields kept).
  const show = (name, remember = true) => {
    const current = steps.find((step) => !step.hidden);
    if (remember && current && current.dataset.step !== name && name !== "confirmation") {
      history.pushState({ checkoutStep: name }, "");
    }
    for (const step of steps) step.hidden = step.dataset.step !== name;
    for (const marker of root.querySelectorAll("[data-step-marker]")) {
      if (marker.dataset.stepMarker === name) marker.setAttribute("aria-current", "step");
      else marker.removeAttribute("aria-current");
    }
  };

  const setError = (field, message) => {
    const error = root.querySelector(`#${field.getAttribute("aria-describedby")}`);
    if (error) error.textContent = message;
    if (message) field.setAttribute("aria-invalid", "true");
    else field.removeAttribute("aria-invalid");
  };

  // Checks the fields of one step; focuses the first one that is wrong.
  const valid = (step) => {
    let first = null;
    for (const field of step.querySelectorAll("input[aria-describedby], select[aria-describedby]")) {
      const message = RULES[field.name] ? RULES[field.name](field.value) : "";
      setError(field, message);
      if (message && !first) first = field;
    }
    if (first) first.focus();
    return !first;
  };

  const review = () => {
    const data = new FormData(form);
    const delivery = form.querySelector("input[name=delivery]:checked");
    const cents = Number(delivery.dataset.cents);
    const label = delivery.closest("label").querySelector("span").textContent;
    const field = (name) => root.querySelector(`[data-review=${name}]`);
    field("delivery").textContent = `${label}: ${cents ? money(cents, currency, wonPerCent) : t.tFree}`;
    field("total").textContent = money(subtotal + cents, currency, wonPerCent);
    if (field("charged")) field("charged").textContent = charged(subtotal + cents, currency);
    const country = form.querySelector("select[name=country]").selectedOptions[0].textContent;
    field("address").textContent = ["name", "street", "postcode", "city"]
      .map((name) => data.get(name).trim()).concat(country).join(", ");
    field("card").textContent = t.tCard.replace("{digits}", data.get("number").replace(/ /g, "").slice(-4));
  };

  const order = () => {
    const data = new FormData(form);
    const text = (name) => String(data.get(name) || "").trim();
    return {
      key,
      delivery: text("delivery"),
      address: { name: text("name"), street: text("street"), city: text("city"), postcode: text("postcode"), country: text("country") },
      card: { number: text("number").replace(/ /g, ""), expiry: text("expiry"), cvc: text("cvc") },
      reviewed: t.reviewed || undefined, // the cart as this page showed it: another is refused
    };
  };

  // The BFF's answer as JSON, retried (same key) while there is none or it is a 502.
  const ask = async (method, path, body) => {
    for (let attempt = 1; ; attempt += 1) {
      let response = null;
      try {
        response = await fetch(`/bff/checkout${path}`, {
          method,
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
          body: body ? JSON.stringify(body) : undefined,
        });
      } catch (error) { /* no answer: try again */ }
      if (response && response.status !== 502) return { status: response.status, body: await response.json() };
      if (attempt >= RETRIES) return { status: response ? response.status : 0, body: {} };
      await sleep(1000 * attempt);
    }
  };

  // A 422 from the BFF names fields (`body.order.card.number`): show each where it belongs.
  const showFieldErrors = (detail) => {
    let firstStep = null;
    for (const problem of detail) {
      const name = (problem.loc || []).at(-1);
      const field = form.elements.namedItem(name);
      if (!field || !field.getAttribute) continue;
      // The BFF's own words for a card it or payments cannot take (in the page's language).
      const own = problem.type === "card_expiry" || problem.type === "card_invalid" ? problem.msg : "";
      setError(field, (RULES[name] && RULES[name](field.value)) || own || t.tCheck);
      firstStep ??= field.closest("[data-step]");
    }
    if (firstStep) show(firstStep.dataset.step);
    return Boolean(firstStep);
  };

  const finish = (state) => {
    if (state.status === "completed") {
      root.querySelector("[data-order-number]").textContent = state.order_number;
      root.querySelector("[data-charged]").textContent = charged(state.total_cents, state.currency);
      form.hidden = true;
      try { sessionStorage.removeItem(storeKey); } catch (error) { /* nothing kept */ }
      show("confirmation");
      const done = root.querySelector(".checkout__done");
      done.hidden = false;
      done.focus();
      say(state.message);
      if (state.cart_count !== null) {
        document.dispatchEvent(new CustomEvent("cart:updated", { detail: { count: state.cart_count } }));
      }
      return;
    }
    key = newKey(); // the next attempt is a new order
    say(state.message, true);
    if (state.reason === "declined" || state.reason === "payment_refused") {
      show("payment");
      form.querySelector("input[name=number]").focus();
    }
  };

  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-next], [data-back]");
    if (!button) return;
    const step = button.closest("[data-step]");
    const at = steps.indexOf(step);
    if (button.hasAttribute("data-back")) {
      show(steps[at - 1].dataset.step);
      return;
    }
    if (!valid(step)) return;
    say("");
    if (steps[at + 1].dataset.step === "review") review();
    show(steps[at + 1].dataset.step);
    steps[at + 1].querySelector("input, button").focus();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    // Enter in a field submits the form: before the review, it means the step's own Next
    // (never an order placed unseen, nor a step skipped).
    const current = steps.find((step) => !step.hidden);
    const next = current && current.querySelector("[data-next]");
    if (next) {
      next.click();
      return;
    }
    for (const step of steps.slice(0, 3)) {
      if (!valid(step)) { show(step.dataset.step); return; }
    }
    place.disabled = true;
    place.textContent = t.tPlacing;
    say(t.tPlacing);
    try {
      let { status: code, body: state } = await ask("POST", "/orders", order());
      if (code === 422 && Array.isArray(state.detail) && showFieldErrors(state.detail)) {
        say(t.tMarked, true);
        return;
      }
      if (code !== 200) {
        say(typeof state.detail === "string" ? state.detail : t.tFailed, true);
        return;
      }
      for (let poll = 0; state.status === "pending" && poll < POLLS; poll += 1) {
        await sleep(500);
        const answer = await ask("GET", `/orders/${key}`);
        if (answer.status === 200) state = answer.body;
      }
      if (state.status === "pending") {
        say(t.tPending, true);
        return;
      }
      finish(state);
    } finally {
      place.disabled = false;
      place.textContent = t.tPlace;
    }
  });

  history.replaceState({ checkoutStep: "address" }, "");
  window.addEventListener("popstate", (event) => {
    const name = event.state && event.state.checkoutStep;
    if (!name) return; // not a step of this checkout
    if (form.hidden) { // the order is placed: Back leaves the checkout, over its steps
      history.back();
      return;
    }
    // A step is shown only once those before it are filled in as they must be.
    const at = steps.findIndex((step) => step.dataset.step === name);
    const unfilled = steps.slice(0, at).find((step) => !valid(step));
    const shown = unfilled ? unfilled.dataset.step : name;
    if (shown === "review") review();
    show(shown, false);
  });

  // What the shopper typed for delivery survives a reload of the page (this tab only, and
  // never the card: it is not kept anywhere).
  const KEPT = ["name", "street", "city", "postcode", "country", "delivery"];
  try {
    const kept = JSON.parse(sessionStorage.getItem(storeKey) || "{}");
    for (const name of KEPT) {
      if (typeof kept[name] !== "string" || !kept[name]) continue;
      const field = form.elements.namedItem(name);
      if (field instanceof RadioNodeList) {
        for (const radio of field) radio.checked = radio.value === kept[name];
      } else if (field) field.value = kept[name];
    }
  } catch (error) { /* storage refused or unreadable: start empty */ }
  form.addEventListener("input", () => {
    const data = new FormData(form);
    const kept = Object.fromEntries(KEPT.map((name) => [name, String(data.get(name) || "")]));
    try { sessionStorage.setItem(storeKey, JSON.stringify(kept)); } catch (error) { /* full */ }
  });

  // Enabled once this script listens.
  for (const button of form.querySelectorAll("button")) button.disabled = false;
}
