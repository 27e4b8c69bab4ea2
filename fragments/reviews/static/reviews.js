// Reviews fragment: writes a review through the reviews BFF and shows it at once.
const csrfToken = () => (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";

const problem = (body, status) => {
  if (typeof body.detail === "string") return body.detail;
  if (Array.isArray(body.detail)) {
    return body.detail.map((d) => `${(d.loc || []).slice(-1)[0] || "review"}: ${d.msg}`).join("; ");
  }
  return `HTTP ${status}`;
};

const item = (review) => {
  const li = document.createElement("li");
  li.className = "reviews__item";
  const head = document.createElement("p");
  head.className = "reviews__head";
  const stars = document.createElement("span");
  stars.className = "reviews__stars";
  stars.setAttribute("role", "img");
  stars.setAttribute("aria-label", `${review.rating} out of 5 stars`);
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
  form.querySelector("button").disabled = false; // enabled once this script listens
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const review = {
      author: String(data.get("author") || "").trim(),
      rating: Number(data.get("rating")),
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
      if (!response.ok) throw new Error(problem(body, response.status));
      let list = root.querySelector(".reviews__list");
      if (!list) {
        list = Object.assign(document.createElement("ol"), { className: "reviews__list" });
        root.querySelector(".reviews__write").before(list);
      }
      list.prepend(item(body));
      form.reset();
      status.textContent = "Thank you! Your review is published.";
    } catch (error) {
      status.textContent = `Your review was not published: ${error.message}`;
    } finally {
      button.disabled = false;
    }
  });
}
