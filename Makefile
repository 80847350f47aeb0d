# The two set-up commands of the README: `make demo` and `make test`. Both install what they need first.
.PHONY: demo test install

install:
	bash scripts/bootstrap.sh

demo: install
	.venv/bin/archrank demo

test: install
	.venv/bin/python -m pytest
