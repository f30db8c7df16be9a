"""Fictional data for development and tests, kept out of the product's own packages.

`demo` loads the demo agencies, accounts and case-study referrals (`flask demo load`);
`generate` adds N generated referrals with a known number of cases planted in each gap
of the managers' audit (`flask demo generate`). Both add rows and flush; the command commits.
"""
