"""Publishing: training a new model in the background, checking it, moving every Rasa
server to it without dropping a message, and rolling back from the model registry."""
