"""Task forms with no repeating lists: triage, research, the threshold decision and its
escalation, recording the outcome, confirming and closing the plan."""

from __future__ import annotations

from wtforms import RadioField

from app.domain import cin_codes
from app.forms import YES_NO, add_error, select_choices, text_or_none, yes_no
from app.forms.fields import YesNoField, radio_field, select_field, text_area, text_input
from app.forms.widgets import Radios
from app.tasks.forms.base import TaskForm
from app.tasks.forms.concerns import assessment_factors_field
from app.workflow.contract import DASH_LABELS, OUTCOME_LABELS, RAG_LABELS

OUTCOME_HINTS: dict[str, str] = {
    "nfa": "Including advice or signposting to other services.",
    "s17": "Children Act 1989 section 17.",
    "s47": "Reasonable cause to suspect significant harm: starts with a strategy discussion.",
    "immediate_protection": "Police protection (s46) or an emergency protection order.",
}

#: Lawful bases for sharing information, in the order shown. Stored as the key.
#: "Other" is a lawful basis only with the basis named.
OTHER_LAWFUL_BASIS_MESSAGE = "Enter the lawful basis for sharing the information"
LAWFUL_BASES: dict[str, str] = {
    "dpa_2018_safeguarding": (
        "Data Protection Act 2018, Schedule 1, paragraph 18 – safeguarding of children and individuals at risk"
    ),
    "children_act_1989_s47": "Children Act 1989, section 47 – enquiries about significant harm",
    "children_act_1989_s17": "Children Act 1989, section 17 – children in need",
    "crime_and_disorder_act_1998_s115": "Crime and Disorder Act 1998, section 115",
    "consent": "Consent",
    "other": "Other",
}


def _cin(list_name: str) -> list[tuple[str, str]]:
    return [(code, f"{code} – {label}") for code, label in cin_codes.codes(list_name)]


class TriageForm(TaskForm):
    rag = radio_field(
        "RAG rating",
        RAG_LABELS.items(),
        "Select a RAG rating",
        description=(
            "The rating sets how quickly the contact must be looked at: the checks and the threshold "
            "decision are due within the partnership's local RAG timescales, shown under each rating."
        ),
        widget=Radios(legend_size="m"),
    )
    rag_reason = text_area(
        "Why did you give this rating?", "Enter the reason for the RAG rating", called="The reason"
    )
    significant_harm_suspected = YesNoField(
        "Is there reasonable cause to suspect that a child is suffering, or is likely to suffer, significant harm?",
        message="Select yes if significant harm is suspected",
    )
    # Starts on Yes, and not sending it at all (API callers, a page opened before
    # this question existed) also means Yes: skipping the checks must be chosen.
    research_needed = RadioField(
        "Are checks by police, health and social care needed?",
        choices=select_choices(YES_NO),
        default="yes",
        invalid_choice_message="Select yes if checks by police, health and social care are needed",
        description="Select no only if the contact needs no checks, for example it is for information only.",
        widget=Radios(),
    )
    research_not_needed_reason = text_area("Why are checks not needed?", called="Why checks are not needed")
    mash_dash_level = RadioField(
        "Do you grade the domestic abuse risk differently from the officer? (optional)",
        choices=select_choices([("", "No, keep the officer's grading"), *DASH_LABELS.items()]),
        default="",
        description="Only for domestic abuse. Your grading is the one the managers' audit counts.",
        widget=Radios(),
        validate_choice=True,
        invalid_choice_message="Select a DASH risk level",
    )
    mash_dash_reason = text_area("Why do you grade it differently?", called="The reason for the grading")
    assessment_factors = assessment_factors_field()

    @property
    def research_needed_answer(self) -> bool:
        return self.research_needed.data != "no"

    def check_rules(self) -> None:
        if self.mash_dash_level.data and not text_or_none(self.mash_dash_reason.data):
            add_error(self.mash_dash_reason, "Explain why you grade the DASH risk differently")
        if not self.research_needed_answer and not text_or_none(self.research_not_needed_reason.data):
            add_error(
                self.research_not_needed_reason,
                "Explain why checks by police, health and social care are not needed",
            )

    def to_service_data(self) -> dict:
        research_needed = self.research_needed_answer
        return {
            "rag": self.rag.data,
            "rag_reason": text_or_none(self.rag_reason.data),
            "significant_harm_suspected": self.significant_harm_suspected.answer,
            "research_needed": research_needed,
            "research_not_needed_reason": (
                None if research_needed else text_or_none(self.research_not_needed_reason.data)
            ),
            "mash_dash_level": self.mash_dash_level.data or None,
            "mash_dash_reason": text_or_none(self.mash_dash_reason.data)
            if self.mash_dash_level.data
            else None,
            "assessment_factors": list(self.assessment_factors.data or []),
        }


class ResearchForm(TaskForm):
    """Police, health and social care research (one class for the three tasks)."""

    findings = text_area(
        "What did your checks find?",
        "Enter what your checks found",
        called="What your checks found",
        description="Include checks that found nothing, for example ‘No trace on our systems’.",
    )
    information_shared = text_area(
        "What information did you share?",
        "Enter what information you shared",
        called="The information shared",
    )
    shared_with = text_input(
        "Who did you share it with?",
        "Enter who you shared the information with",
        called="Who you shared it with",
    )
    purpose = text_area(
        "Why it was shared", "Enter why the information was shared", called="Why it was shared"
    )
    lawful_basis = radio_field(
        "Lawful basis for sharing",
        LAWFUL_BASES.items(),
        "Select the lawful basis for sharing the information",
    )
    lawful_basis_detail = text_area(
        "What is the lawful basis?",
        called="The lawful basis",
        description="Name the law, duty or agreement that allows the sharing.",
    )
    disagrees = YesNoField(
        "Does your agency disagree with the triage?",
        message="Select yes if your agency disagrees with the triage",
        inline=False,
        description="If you disagree, a MASH manager will review the threshold decision.",
    )
    disagreement_reason = text_area("Why do you disagree?", called="Why you disagree")

    def check_rules(self) -> None:
        if self.lawful_basis.data == "other" and not text_or_none(self.lawful_basis_detail.data):
            add_error(self.lawful_basis_detail, OTHER_LAWFUL_BASIS_MESSAGE)
        if self.disagrees.answer and not text_or_none(self.disagreement_reason.data):
            add_error(self.disagreement_reason, "Explain why you disagree with the triage")

    def to_service_data(self) -> dict:
        disagrees = self.disagrees.answer
        return {
            "findings": text_or_none(self.findings.data),
            "information_shared": text_or_none(self.information_shared.data),
            "shared_with": text_or_none(self.shared_with.data),
            "purpose": text_or_none(self.purpose.data),
            "lawful_basis": self.lawful_basis.data,
            "lawful_basis_detail": text_or_none(self.lawful_basis_detail.data)
            if self.lawful_basis.data == "other"
            else None,
            "disagrees": disagrees,
            "disagreement_reason": text_or_none(self.disagreement_reason.data) if disagrees else None,
        }


def _outcome_radios(label: str, message: str):
    return radio_field(label, OUTCOME_LABELS.items(), message, widget=Radios(legend_size="m"))


class ThresholdDecisionForm(TaskForm):
    outcome_hints = OUTCOME_HINTS

    outcome = _outcome_radios("What is your threshold decision?", "Select a threshold decision")
    rationale = text_area(
        "Reasons for your decision",
        "Enter the reasons for your decision",
        called="The reasons for your decision",
    )
    history_weighed = text_area(
        "How did you weigh the children's history?",
        called="How the history was weighed",
        description="Needed for no further action or early help when a child has earlier referrals.",
    )
    assessment_factors = assessment_factors_field()
    # Starts on No: most decisions are agreed. Not sending it (API callers) also means no.
    disagreement_raised = RadioField(
        "Does an agency disagree with this decision?",
        choices=select_choices(YES_NO),
        default="no",
        invalid_choice_message="Select yes if an agency disagrees with this decision",
        description="For example, police or health said so at the MASH meeting. A MASH manager will review it.",
        widget=Radios(),
    )
    disagreement_reason = text_area(
        "Which agency disagrees, and why?", called="Which agency disagrees, and why"
    )

    def to_service_data(self) -> dict:
        disagrees = yes_no(self.disagreement_raised.data) is True
        return {
            "outcome": self.outcome.data,
            "rationale": text_or_none(self.rationale.data),
            "history_weighed": text_or_none(self.history_weighed.data),
            "assessment_factors": list(self.assessment_factors.data or []),
            "disagreement_raised": disagrees,
            "disagreement_reason": text_or_none(self.disagreement_reason.data) if disagrees else None,
        }


class ResolveDisagreementForm(TaskForm):
    outcome_hints = OUTCOME_HINTS

    outcome = _outcome_radios("What is the final threshold decision?", "Select the final threshold decision")
    resolution = text_area(
        "How was the disagreement resolved?",
        "Enter how the disagreement was resolved",
        called="How the disagreement was resolved",
        description="Give your reasons. The agencies that disagreed can see this.",
    )

    def to_service_data(self) -> dict:
        return {"outcome": self.outcome.data, "resolution": text_or_none(self.resolution.data)}


class ManagerSignOffForm(TaskForm):
    outcome_hints = OUTCOME_HINTS

    signed_off = YesNoField(
        "Do you sign off this decision?",
        message="Select yes if you sign off this decision",
        inline=False,
        description="If you change it, the referral takes the route of the decision you choose.",
    )
    outcome = RadioField(
        "What should the threshold decision be?",
        choices=select_choices(OUTCOME_LABELS.items()),
        # Only asked when the manager changes the decision: checked in check_rules.
        validate_choice=False,
        widget=Radios(legend_size="s"),
    )
    note = text_area(
        "Your reasons",
        "Enter your reasons",
        called="Your reasons",
        description="Say how the children's history was weighed. The social worker can see this.",
    )

    def check_rules(self) -> None:
        if self.signed_off.answer is False and self.outcome.data not in OUTCOME_LABELS:
            add_error(self.outcome, "Select the threshold decision you are changing it to")

    def to_service_data(self) -> dict:
        signed_off = bool(self.signed_off.answer)
        return {
            "signed_off": signed_off,
            "outcome": None if signed_off else self.outcome.data,
            "note": text_or_none(self.note.data),
        }


class RecordOutcomeForm(TaskForm):
    primary_need = select_field(
        "Primary need (optional)",
        _cin("primary_need"),
        blank="Not recorded",
        invalid_message="Select a primary need from the list",
        description="The child's main need, as the CIN census records it.",
    )
    next_step = text_area(
        "Next step or handover",
        "Enter the next step or handover",
        called="The next step or handover",
        description="For example, early help referral to the family hub, or advice given to the referrer.",
    )
    closure_reason = select_field(
        "Reason for closure (optional)",
        _cin("reason_for_closure"),
        blank="Not recorded",
        invalid_message="Select a reason for closure from the list",
    )

    def to_service_data(self) -> dict:
        return {
            "primary_need": self.primary_need.data or None,
            "next_step": text_or_none(self.next_step.data),
            "closure_reason": self.closure_reason.data or None,
        }


class ConfirmPlanForm(TaskForm):
    """Police and health confirming the joint protective plan (one class for both)."""

    submit_text = "Send response"

    confirmed = YesNoField(
        "Does your agency agree to this plan?",
        message="Select yes if your agency agrees to this plan",
        inline=False,
        widget=Radios(inline=False, legend_size="m"),
    )
    response = text_area("Why does your agency not confirm the plan?", called="Your response")

    def check_rules(self) -> None:
        if self.confirmed.answer is False and not text_or_none(self.response.data):
            add_error(self.response, "Explain why your agency does not confirm the plan")

    def to_service_data(self) -> dict:
        confirmed = self.confirmed.answer
        return {
            "confirmed": confirmed,
            "response": text_or_none(self.response.data) if confirmed is False else None,
        }


class ClosePlanForm(TaskForm):
    closure_summary = text_area(
        "Closure summary",
        "Enter a summary of why the plan is closing",
        called="The closure summary",
        description="What the plan achieved, and why the children no longer need it.",
    )
    closure_reason = select_field(
        "Reason for closure",
        _cin("reason_for_closure"),
        blank="Select a reason",
        message="Select a reason for closure",
    )

    def to_service_data(self) -> dict:
        return {
            "closure_summary": text_or_none(self.closure_summary.data),
            "closure_reason": self.closure_reason.data or None,
        }
