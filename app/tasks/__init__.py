"""Working the front-door tasks: one form and one template per user task.

``TASK_FORMS`` maps each user task's BPMN id to its form class; the template
for a task is ``tasks/<bpmn id>.html``.
"""

from app.tasks.forms import TASK_FORMS, TaskForm

__all__ = ["TASK_FORMS", "TaskForm"]
