"""Events, articles and one-thing bundles under the same lifecycle as places: drafts, If-Match edits, publish,
cancel (events), archive, restore, history and revert."""
