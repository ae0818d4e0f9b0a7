"""One part of the production shape each, run on its own (a container's command).

`digibridge serve rasa` and `digibridge serve actions` start the same Rasa and action
servers that `digibridge up` starts as children, with the same environment and endpoints
file, but listening where the settings say and with the secrets they share with the other
services taken from the environment (never made up: the others must hold the same).
`digibridge up` with `DIGIBRIDGE_RASA_URL` is the gateway alone; `digibridge healthcheck`
is what a container runtime asks whether a part is healthy.
"""
