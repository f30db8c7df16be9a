"""Pure domain rules: working days, NHS numbers and CIN census codes. No Flask."""
