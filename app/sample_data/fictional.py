"""Clearly fictional names, places and words for generated cases, and the quick random draws that pick them."""

from __future__ import annotations

import random
from bisect import bisect

from app.models import AgencyKind

CHILD_FIRST = {  # by CIN gender code
    "1": [
        "Oliver",
        "Noah",
        "Leo",
        "Arlo",
        "Theo",
        "Oscar",
        "Archie",
        "Jack",
        "Harry",
        "Alfie",
        "Finley",
        "Zain",
        "Kai",
        "Ezra",
        "Ibrahim",
        "Mason",
        "Reggie",
        "Tomasz",
        "Kofi",
        "Rohan",
    ],
    "2": [
        "Amelia",
        "Isla",
        "Ava",
        "Mia",
        "Freya",
        "Lily",
        "Ivy",
        "Poppy",
        "Evie",
        "Rosie",
        "Ruby",
        "Maya",
        "Aisha",
        "Nia",
        "Layla",
        "Sofia",
        "Zofia",
        "Amara",
        "Priya",
        "Ella",
    ],
}
SURNAMES = [
    "Fictionley",
    "Madeupson",
    "Inventwell",
    "Storyfield",
    "Pretendworth",
    "Imaginby",
    "Fablecroft",
    "Dreamhollow",
    "Taleby",
    "Sampleton",
    "Examplewood",
    "Mockford",
    "Notaperson",
    "Makebelieve",
    "Yarnsworth",
    "Fairytale-Jones",
]
STREETS = [
    "Imaginary Road",
    "Fictional Close",
    "Makebelieve Lane",
    "Storybook Avenue",
    "Pretend Street",
    "Example Crescent",
    "Invented Way",
    "Nowhere Gardens",
]
VOICES = [
    "Said: 'I don't like it when they shout. I hide in my room.'",
    "Wants things at home to be calm and wants to stay with mum.",
    "Said they were scared but feel safe at nan's house.",
    "Said: 'Nobody listens to me.' Wants to talk to their teacher.",
    "Misses dad and wants to see him at weekends.",
    "Did not want to talk about what happened; said school is the best part of the day.",
    "Said: 'I just want everyone to stop fighting.'",
]
VOICES_UNDER_3 = [
    "Too young to give views in words; observed reaching for and settling with grandmother.",
    "Pre-verbal; smiled and babbled with mum, wary of the officers.",
]
DEMEANOURS = [
    "Quiet and watchful; relaxed once given a drink and a colouring book.",
    "Tearful at first, then chatty; clean and appropriately dressed.",
    "Withdrawn, avoided eye contact; no visible injuries.",
    "Lively and playful; interacted warmly with the attending officer.",
    "Tired and hungry; ate readily when offered food.",
    "Anxious, kept asking where mum was.",
]
NOT_SPOKEN_TO = [
    "Asleep when officers attended",
    "Child had left the address before officers arrived",
    "Parent refused to let officers speak to the child",
    "Child was too distressed to speak",
]
NOT_RECORDED = [
    "Officer did not record it",
    "Not asked at the time",
    "Attending officer was called to another incident",
]
SCHOOLS = {  # by age
    4: ["{town} Primary (fictional)", "St Imaginary's Primary (fictional)"],
    11: ["{town} Academy (fictional)", "{town} High School (fictional)"],
    16: ["{town} College (fictional)"],
}

DESCRIPTIONS = {
    "domestic_abuse": [
        "Verbal argument escalated; neighbour called police. Children in the house.",
        "Ex-partner attended the address in breach of a non-molestation order.",
        "Mother reports being pushed by partner in front of the children.",
    ],
    "missing": [
        "Child reported missing overnight; found at a friend's address.",
        "Third missing episode in a month; returned by police.",
    ],
    "cse": ["Child seen getting into cars with older males; phone has gifts and messages from adults."],
    "cce": ["Child found with cash and two phones in another town; suspected county lines."],
    "physical_abuse": [
        "Child disclosed being hit with a belt; bruising to the upper arm.",
        "Unexplained bruising seen by school staff.",
    ],
    "sexual_abuse": ["Child disclosed inappropriate touching by an adult known to the family."],
    "emotional_abuse": ["Child describes being shouted at and locked in her room for long periods."],
    "neglect": [
        "Home conditions very poor; no food in the house; children unkempt.",
        "Toddler found alone at home for several hours.",
    ],
    "online_abuse": ["Child shared images with an adult met online; adult asked to meet."],
    "child_in_custody": [
        "Arrested for robbery; bail refused and held for court.",
        "Arrested for assault; held overnight.",
    ],
    "police_protection": [
        "Parent found intoxicated and unable to care for a young child late at night.",
        "Child found at an address with drug use and an adult posing a risk.",
    ],
    "person_posing_risk": ["Registered sex offender found to be living with a family with young children."],
    "other": [
        "Concern raised about a child's welfare after a house fire.",
        "Child witnessed a serious assault in the street.",
    ],
}
IMMEDIATE = [
    "Suspect arrested and removed from the address.",
    "Children stayed with grandparents overnight.",
    "Safety advice given; school informed under Operation Encompass.",
    "Child taken to a place of safety.",
    "Referred to the MASH; no immediate action needed.",
]
REFERRERS = {
    "2A": "Designated safeguarding lead",
    "3A": "GP",
    "3B": "Health visitor",
    "3E": "A&E nurse",
    "1A": "Grandparent",
    "8": "Family support worker",
    "4": "Housing officer",
    "5D": "Early help practitioner",
}
PLACES_OF_SAFETY = [
    "Emergency foster placement (fictional)",
    "Maternal grandparents' home",
    "Hospital ward (fictional)",
]
ACTIONS = [
    (AgencyKind.CHILDRENS_SOCIAL_CARE, "Visit the children at home and see them alone"),
    (AgencyKind.CHILDRENS_SOCIAL_CARE, "Complete the child and family assessment"),
    (AgencyKind.POLICE, "Interview the alleged perpetrator"),
    (AgencyKind.POLICE, "Check compliance with bail conditions"),
    (AgencyKind.HEALTH, "Arrange child protection medical"),
    (AgencyKind.HEALTH, "Health visitor to review the baby's development"),
    (AgencyKind.EDUCATION, "School to monitor attendance and presentation daily"),
]


def choice(rng: random.Random, items):
    """rng.choice, without its cost (this runs millions of times for 100,000 referrals)."""
    return items[int(rng.random() * len(items))]


def below(rng: random.Random, n: int) -> int:
    return int(rng.random() * n)


def randint(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))


def weighted(rng: random.Random, items: tuple, cumulative: tuple) -> object:
    return items[bisect(cumulative, rng.random() * cumulative[-1])]


def nhs_number(rng: random.Random) -> str:
    """A number in the 999 range the NHS never issues (for testing), with a valid check digit."""
    while True:
        digits = f"999{below(rng, 1_000_000):06d}"
        total = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            return digits + str(check)


def referral_source(rng: random.Random, incident: str) -> str:
    if (
        incident in ("police_protection", "child_in_custody", "missing", "domestic_abuse")
        or rng.random() < 0.55
    ):
        return "6"
    return weighted(rng, ("2A", "3A", "3B", "3E", "1A", "8", "4", "5D"), (10, 12, 15, 17, 20, 22, 23, 25))


ADULT_FIRST = {  # parents, carers and others named on a referral, by sex
    "1": [
        "Daniel",
        "Marcus",
        "Craig",
        "Lee",
        "Wayne",
        "Tariq",
        "Piotr",
        "Darren",
        "Samir",
        "Gary",
        "Kwame",
        "Jason",
    ],
    "2": [
        "Kerry",
        "Sarah",
        "Gemma",
        "Leanne",
        "Natalie",
        "Shazia",
        "Agnieszka",
        "Donna",
        "Chloe",
        "Joanne",
        "Abena",
        "Stacey",
    ],
}
FOUND_WHERE = [
    "At a friend's house (fictional)",
    "In the town centre (fictional)",
    "At the railway station (fictional)",
    "At a relative's address (fictional)",
    "In a park near home (fictional)",
    "At an address not known to the family (fictional)",
]
FOUND_WITH = [None, None, "Friends of the same age", "An older male not known to the family", "A relative"]
INTERVIEW_FINDINGS = [
    "Went to see friends after an argument at home; no exploitation concerns disclosed.",
    "Stayed with an older friend; says she felt safe. Worries about home shared with the school.",
    "Was given money to carry a bag; referred to the exploitation panel.",
    "Upset about contact arrangements; agreed a plan to talk to her key worker instead of leaving.",
]
INTERVIEW_DECLINED = [
    "Did not want to talk to a worker; the offer stays open through school.",
    "Declined on the doorstep; parent says he is fine.",
]
