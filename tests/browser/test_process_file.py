"""The process file opens in bpmn-js (what bpmn.io and Camunda Modeler are built on) without a warning."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("build", ["viewer", "modeler"])
def test_the_bpmn_imports_into_bpmn_js_with_no_warnings(page, build):
    script = (ROOT / "node_modules" / "bpmn-js" / "dist" / f"bpmn-{build}.production.min.js").read_text()
    xml = (ROOT / "workflows" / "front_door.bpmn").read_text()
    page.route("**/*", lambda route: route.abort())  # nothing from outside
    page.set_content('<div id="canvas" style="width:1600px;height:900px"></div>')
    page.add_script_tag(content=script)
    result = page.evaluate(
        """async (xml) => {
            const modeler = new window.BpmnJS({container: "#canvas"});
            try {
                const {warnings} = await modeler.importXML(xml);
                const registry = modeler.get("elementRegistry");
                return {
                    warnings: warnings.map((w) => w.message),
                    timers: registry.filter((e) => e.type === "bpmn:BoundaryEvent").map((e) => e.id).sort(),
                };
            } catch (error) {
                return {error: String(error)};
            }
        }""",
        xml,
    )
    assert result.get("error") is None, result
    assert result["warnings"] == []
    assert result["timers"] == sorted(
        [
            "health_confirm_plan_overdue",
            "police_confirm_plan_overdue",
            "police_protection_72_hours",
            "strategy_discussion_overdue",
            "threshold_decision_overdue",
        ]
    )
