#!/usr/bin/env bash
# Creates the chorusflow ledger database and its owner role next to Airflow's metadata database.
#
# The postgres image runs this once, when its data volume is first initialised. It is idempotent, so on
# an existing volume run it by hand:
#   docker compose exec postgres bash /docker-entrypoint-initdb.d/10-create-chorusflow-ledger.sh
# Inputs (environment): POSTGRES_USER and POSTGRES_DB (the admin connection, set by the image),
# CHORUSFLOW_DB_PASSWORD (required), CHORUSFLOW_DB_NAME and CHORUSFLOW_DB_USER (default: chorusflow).
set -euo pipefail

: "${CHORUSFLOW_DB_PASSWORD:?CHORUSFLOW_DB_PASSWORD must be set (see .env.example)}"
ledger_db="${CHORUSFLOW_DB_NAME:-chorusflow}"
ledger_user="${CHORUSFLOW_DB_USER:-chorusflow}"

# psql variables (:'x' literal, :"x" identifier) quote the values, so no value is pasted into SQL text.
psql --no-psqlrc -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
    -v ledger_db="$ledger_db" -v ledger_user="$ledger_user" -v ledger_password="$CHORUSFLOW_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'ledger_user')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'ledger_user') \gexec
ALTER ROLE :"ledger_user" WITH LOGIN PASSWORD :'ledger_password';
SELECT format('CREATE DATABASE %I OWNER %I', :'ledger_db', :'ledger_user')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'ledger_db') \gexec
REVOKE ALL ON DATABASE :"ledger_db" FROM PUBLIC;
GRANT ALL PRIVILEGES ON DATABASE :"ledger_db" TO :"ledger_user";
SQL
echo "chorusflow ledger database '${ledger_db}' is ready (owner '${ledger_user}')."
