"""kerasbook: runnable Keras 3 chapters, a website and exam-prep quizzes for a deep-learning course."""

from kerasbook.startup import quiet as _quiet

_quiet()
