"""The one owner of a learner's journey: every status change of a subscriber or an
enrollment (`lifecycle`), and the journal of who changed what (`journal`). Low enough that
the engine (a bounce) and the web (an unsubscribe) both call it."""
