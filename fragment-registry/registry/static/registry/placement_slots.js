// A page's placements choose their slot from the layouts' (registry.admin.SlotSelect: one
// <optgroup> per layout, labelled with its name). This shows only the groups of the layout
// the page's layout select names (all of them while none is chosen), in every placement row,
// added ones too, and keeps a row's slot when the new layout has one of that name. Groups
// that are not a layout's (a stored slot no layout offers) always stay.

const layoutSelect = document.getElementById("id_layout");
const layouts = new Set([...(layoutSelect?.options ?? [])].map((o) => o.value).filter(Boolean));

function showSlots(select, layout) {
  const chosen = select.value;
  for (const group of select.querySelectorAll("optgroup")) {
    group.hidden = Boolean(layout) && layouts.has(group.label) && group.label !== layout;
  }
  // Hidden, not disabled: a chosen slot the layout lacks is still sent, and refused with
  // the model's message rather than dropped.
  const current = select.selectedOptions[0];
  if (current?.parentElement.hidden) {
    const same = [...select.options].find((o) => o.value === chosen && !o.parentElement.hidden);
    if (same) same.selected = true;
  }
}

function showAll() {
  for (const select of document.querySelectorAll("select[name^='placements-'][name$='-slot']")) {
    showSlots(select, layoutSelect.value);
  }
}

if (layoutSelect) {
  layoutSelect.addEventListener("change", showAll);
  document.addEventListener("formset:added", showAll);
  showAll();
}
