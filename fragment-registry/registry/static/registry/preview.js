// The fragment preview's parameter boxes (admin/registry/fragment/preview.html): as values are
// typed the frame and the link follow, built like the server builds them (empty values left
// out), instead of reloading the change page through the #fragment-preview form. A fragment
// saved just now (data-reload-ms) is reloaded once the shells have had time to pick it up.

for (const preview of document.querySelectorAll("[data-preview]")) {
  const frame = preview.querySelector("iframe");
  const link = preview.querySelector("[data-preview-link]");
  const shown = preview.querySelector("[data-preview-url]");
  const boxes = [...preview.querySelectorAll("[data-param]")];

  const url = () => {
    const query = new URLSearchParams();
    for (const box of boxes) if (box.value) query.append(box.dataset.param, box.value);
    const text = query.toString();
    return text ? `${preview.dataset.base}?${text}` : preview.dataset.base;
  };
  const show = () => {
    const next = url();
    frame.src = next;
    link.href = next;
    shown.textContent = next;
  };

  let typing;
  for (const box of boxes) {
    box.addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(show, 400);
    });
  }
  const form = document.getElementById("fragment-preview");
  form?.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(typing);
    show();
  });

  const reloadMs = Number(preview.dataset.reloadMs);
  if (reloadMs > 0) {
    setTimeout(() => {
      show();
      preview.querySelector("[data-preview-pending]")?.remove();
    }, reloadMs);
  }
}
