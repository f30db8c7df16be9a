"""In-app alerts (and their emails): telling people about new tasks, escalations and tasks due soon."""
