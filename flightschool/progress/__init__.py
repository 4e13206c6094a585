"""The learner's progress: lessons, quiz attempts, lab grades and review cards."""
