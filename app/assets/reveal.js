// Parts of a form that apply only after a given answer: an element with
// data-app-shown-when="incident_type=police_protection" (or "name=a,b") is shown
// only while the radio or checkbox called `name` in its form has one of those values.
// Hidden, its fields are disabled too, so what they hold is not sent.
// Without JavaScript everything shows, each part headed by when it applies;
// the server applies the same rules either way (app/notifications/forms.py).

function chosen(form, name) {
  const checked = form.querySelector(`input[name="${CSS.escape(name)}"]:checked`);
  return checked ? checked.value : "";
}

function sync(form) {
  for (const part of form.querySelectorAll("[data-app-shown-when]")) {
    const [name, values] = part.dataset.appShownWhen.split("=");
    const shown = values.split(",").includes(chosen(form, name));
    part.hidden = !shown;
    for (const field of part.querySelectorAll("input, select, textarea, button")) {
      if (!shown && !field.disabled) {
        field.disabled = true;
        field.dataset.appDisabledByReveal = "";
      } else if (shown && "appDisabledByReveal" in field.dataset) {
        field.disabled = false;
        delete field.dataset.appDisabledByReveal;
      }
    }
  }
}

export function initReveals() {
  const forms = new Set(
    [...document.querySelectorAll("[data-app-shown-when]")].map((part) => part.closest("form"))
  );
  for (const form of forms) {
    if (!form) continue;
    form.addEventListener("change", () => sync(form));
    sync(form);
  }
}
