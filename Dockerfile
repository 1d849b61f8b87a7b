FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install --upgrade pip && python -c "import tomllib; d = tomllib.load(open('pyproject.toml', 'rb')); print('\n'.join(d['project']['dependencies']))" > /tmp/requirements.txt && pip install -r /tmp/requirements.txt
COPY . .
EXPOSE 8000
