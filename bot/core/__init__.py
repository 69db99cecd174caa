"""The domain: papers, search, trending, topics and digests. No Slack imports here."""
