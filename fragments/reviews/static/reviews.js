// Reviews fragment: writes a review through the reviews BFF and shows it at once, with the
// product's new summary. A refused field is marked (aria-invalid) and described by the BFF's
// words for it (aria-describedby), and gets the focus. Its own words come in the page's
// language from the fragment's root (data-t-*), the BFF's in the same (the gateway tells it).
const csrfToken = () => (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";
const FIELDS = ["author", "rating", "title", "body"];

// The BFF's field errors as {field: message}; {} when it refused the review as a whole.
const fieldErrors = (body) => {
  const errors = {};
  for (const d of Array.isArray(body.detail) ? body.detail : []) {
    const field = (d.loc || []).slice(-1)[0];
    if (FIELDS.includes(field) && !(field in errors)) errors[field] = d.msg;
  }
  return errors;
};

const problem = (body, status) => (typeof body.detail === "string" ? body.detail : `HTTP ${status}`);

const item = (review, t) => {
  const li = document.createElement("li");
  li.className = "reviews__item";
  const head = document.createElement("p");
  head.className = "reviews__head";
  const stars = document.createElement("span");
  stars.className = "reviews__stars";
  stars.setAttribute("role", "img");
  stars.setAttribute("aria-label", t.tStars.replace("{rating}", String(review.rating)));
  stars.textContent = "★".repeat(review.rating) + "☆".repeat(5 - review.rating);
  const title = document.createElement("strong");
  title.textContent = review.title;
  head.append(stars, " ", title);
  const meta = document.createElement("p");
  meta.className = "reviews__meta";
  meta.textContent = `${review.author} · ${review.created_at.slice(0, 10)}`;
  const body = document.createElement("p");
  body.className = "reviews__body";
  body.textContent = review.body;
  li.append(head, meta, body);
  return li;
};

for (const root of document.querySelectorAll(".reviews")) {
  const form = root.querySelector(".reviews__form");
  const status = root.querySelector(".reviews__status");
  const t = root.dataset;
  form.querySelector("button").disabled = false; // enabled once this script listens

  // Marks each field of `errors` and clears the others; focuses the first one marked.
  const mark = (errors) => {
    for (const field of FIELDS) {
      const message = root.querySelector(`#reviews-${field}-error`);
      message.textContent = errors[field] || "";
      message.hidden = !errors[field];
      for (const control of form.querySelectorAll(`[name="${field}"]`)) {
        if (errors[field]) {
          control.setAttribute("aria-invalid", "true");
          control.setAttribute("aria-describedby", message.id);
        } else {
          control.removeAttribute("aria-invalid");
          control.removeAttribute("aria-describedby");
        }
      }
    }
    const first = FIELDS.find((field) => errors[field]);
    if (first) form.querySelector(`[name="${first}"]`).focus();
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const review = {
      author: String(data.get("author") || "").trim(),
      rating: data.get("rating") === null ? null : Number(data.get("rating")),
      title: String(data.get("title") || "").trim(),
      body: String(data.get("body") || "").trim(),
    };
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const response = await fetch(`/bff/reviews/products/${encodeURIComponent(root.dataset.sku)}/reviews`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
        body: JSON.stringify(review),
      });
      const body = await response.json().catch(() => ({}));
      const errors = response.status === 422 ? fieldErrors(body) : {};
      mark(errors);
      if (Object.keys(errors).length) throw new Error(t.tCorrect);
      if (!response.ok) throw new Error(problem(body, response.status));
      const summary = root.querySelector(".reviews__summary");
      if (summary && body.summary_html) summary.innerHTML = body.summary_html; // escaped by the BFF's template
      let list = root.querySelector(".reviews__list");
      if (!list) {
        list = Object.assign(document.createElement("ol"), { className: "reviews__list" });
        root.querySelector(".reviews__write").before(list);
      }
      list.prepend(item(body, t));
      form.reset();
      status.textContent = t.tPublished;
    } catch (error) {
      status.textContent = t.tFailed.replace("{reason}", error.message);
    } finally {
      button.disabled = false;
    }
  });
}
