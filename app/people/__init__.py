"""People across referrals: records, matching, merging, history and cumulative risk."""
