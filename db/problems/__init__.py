"""The key-problem list worked to a solution (重点问题清单, 跟踪问题解决进度, 000 §一): problems
raised by the use cases that meet them (`raising`: a need no bank can take, a decline, an
expiry, a disputed visit, a complaint) with the region's coordinators told; a coordinator's
work on one (`tracking`: owner, status, measure; re-routing a stuck need to another eligible
bank, approving one bank past the 3/2 limit); the firm answering back (`firm`: confirming or
disputing a recorded visit, complaining of a bank's service or fees); and what the list shows
(`listing`). It may import `core`, `models`, `leads` and `matching`."""
