"""Use cases: each public function opens its transaction, checks the actor and calls store/domain."""
