"""Time that drives the work: response times, due times, BPMN timers, escalations and the timer worker."""
