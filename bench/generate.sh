#!/usr/bin/env bash
# Volume generator benchmark: fills a PostgreSQL database with COUNT requests and times it.
#   bench/generate.sh [COUNT]        (default 100000)
# Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/eusp_bench),
#              SEED (default 1), BATCH (default 5000), METHOD (auto | copy | orm).
# The database is created and migrated if needed, never dropped: run it again to add volume.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT="${1:-100000}"
URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/eusp_bench}"
PY=.venv/bin/python

# createdb needs host/user/name; take them from the URL (postgres://user@host:port/name).
rest="${URL#*://}"; user="${rest%%@*}"; hostport="${rest#*@}"; hostport="${hostport%%/*}"; name="${rest##*/}"
host="${hostport%%:*}"; port="${hostport##*:}"; [ "$port" = "$hostport" ] && port=5432
if ! psql -h "$host" -p "$port" -U "$user" -lqt | cut -d'|' -f1 | grep -qw "$name"; then
    echo "Création de la base $name"
    createdb -h "$host" -p "$port" -U "$user" "$name"
fi
DATABASE_URL="$URL" $PY manage.py migrate --noinput -v0
echo "Demandes déjà présentes : $(psql -h "$host" -p "$port" -U "$user" -d "$name" -tAc 'select count(*) from casework_servicerequest')"
TIMEFORMAT="Durée totale (commande, démarrage compris) : %R s"
time DATABASE_URL="$URL" $PY manage.py generate_requests --count "$COUNT" --seed "${SEED:-1}" \
    --batch "${BATCH:-5000}" --method "${METHOD:-auto}"
psql -h "$host" -p "$port" -U "$user" -d "$name" -tAc \
    "select 'Taille : ' || pg_size_pretty(pg_database_size(current_database())) || ', demandes : ' ||
            (select count(*) from casework_servicerequest) || ', événements : ' ||
            (select count(*) from casework_requestevent)"
