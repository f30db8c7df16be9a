// Draws the referral's BPMN with the bpmn-js viewer (served from this site)
// and marks the steps done and the steps waiting. The page lists the same
// steps in text, so nothing depends on this script. The zoom buttons show
// only once the diagram is drawn.
const container = document.getElementById("diagram");

async function draw() {
  if (!container || typeof window.BpmnJS !== "function") return;
  const response = await fetch(container.dataset.diagramUrl, { credentials: "same-origin" });
  if (!response.ok) {
    container.textContent = "The diagram could not be loaded.";
    return;
  }
  const viewer = new window.BpmnJS({ container });
  try {
    await viewer.importXML(await response.text());
  } catch (error) {
    container.textContent = "The diagram could not be drawn.";
    return;
  }
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  canvas.zoom("fit-viewport");
  const ids = (name) => (container.dataset[name] || "").split(" ").filter(Boolean);
  for (const id of ids("doneSteps")) {
    if (registry.get(id)) canvas.addMarker(id, "app-diagram__done");
  }
  for (const id of ids("currentSteps")) {
    if (registry.get(id)) canvas.addMarker(id, "app-diagram__current");
  }
  const controls = document.querySelector(".app-diagram__controls");
  if (controls) {
    controls.hidden = false;
    controls.addEventListener("click", (event) => {
      const action = event.target.closest("[data-diagram-zoom]")?.dataset.diagramZoom;
      if (action === "fit") canvas.zoom("fit-viewport", "auto");
      else if (action) canvas.zoom(canvas.zoom() * (action === "in" ? 1.25 : 0.8));
    });
  }
  container.dataset.ready = "true";
}

draw();
