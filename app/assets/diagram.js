// Draws the referral's BPMN with the bpmn-js viewer (served from this site)
// and highlights the steps that are waiting. The page lists the same steps
// in text, so nothing depends on this script.
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
  const current = (container.dataset.currentSteps || "").split(" ").filter(Boolean);
  for (const id of current) {
    if (registry.get(id)) canvas.addMarker(id, "app-diagram__current");
  }
  container.dataset.ready = "true";
}

draw();
