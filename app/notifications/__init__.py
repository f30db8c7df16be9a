"""Police notifications and contacts from other sources: how a referral starts.

forms.py has PoliceNotificationForm and ContactForm, whose to_service_data()
returns the dict create_referral takes (docs/contract-forms.md). Their fields,
widgets and validators come from app.forms.
"""
