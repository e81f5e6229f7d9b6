# chorusflow image: the official Airflow image plus the chorusflow package, its DAGs and plugins.
# Build: docker compose build   (or: docker build -t chorusflow-airflow:latest .)   See docs/deployment.md.
#
# Two images from one file:
# - `production` (also what a plain `docker build` gives, see the last line): chorusflow only;
# - `sandbox`: production plus the dev tooling (devtools/, package chorusflow_dev) for compose's
#   `chorus-sandbox` service. The production image never holds the sandbox, the demo or test builders.
FROM apache/airflow:3.3.2-python3.11 AS production

# The project lives at AIRFLOW_HOME (/opt/airflow) with the repository's shape: dags/ and plugins/ are
# Airflow's default folders, and the editable install maps `chorusflow` to /opt/airflow/include, so
# chorusflow.suppliers.config_dir() resolves to /opt/airflow/include/config with no extra setting.
WORKDIR /opt/airflow

# First what the install needs (package metadata, our pinned constraints, the package), so the slow
# dependency layer is rebuilt only when these change.
COPY --chown=airflow:0 pyproject.toml constraints.txt /opt/airflow/
COPY --chown=airflow:0 include/ /opt/airflow/include/

USER airflow
# No system package is needed: the invoice PDF is drawn by reportlab and read back by pypdf, both
# installed from wheels (docs/invoice-pdf.md).
# apache-airflow==3.3.2 is pinned in the SAME command so pip can never move Airflow; constraints.txt is
# the lock file the test suite ran with. `pip check` fails the build, rather than a task at run time,
# if the providers shipped in the base image no longer fit our pins.
RUN pip install --no-cache-dir -c constraints.txt "apache-airflow==3.3.2" -e /opt/airflow \
    && pip check

COPY --chown=airflow:0 dags/ /opt/airflow/dags/
COPY --chown=airflow:0 plugins/ /opt/airflow/plugins/

# The local Chorus Pro sandbox (compose profile `sandbox`): the production image plus chorusflow_dev.
FROM production AS sandbox
COPY --chown=airflow:0 devtools/ /opt/airflow/devtools/
RUN pip install --no-cache-dir -c constraints.txt "apache-airflow==3.3.2" -e /opt/airflow/devtools \
    && pip check
# The sandbox keeps its state in /data; a named volume mounted there takes this folder's owner, so the
# non-root user can write to it.
USER root
RUN install -d -o airflow -g 0 -m 0775 /data
USER airflow

# A plain `docker build .` gives the production image.
FROM production
