"""Understanding: text normalisation, word segmentation and the custom Rasa components."""
