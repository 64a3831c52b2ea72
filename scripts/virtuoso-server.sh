#!/usr/bin/env bash
# A throwaway Virtuoso (Debian's virtuoso-opensource) on loopback, for `kgbuild push` to a
# SPARQL Graph Store Protocol endpoint and its tests.
#
#   scripts/virtuoso-server.sh DIR HTTP_PORT [SQL_PORT]
#
# Writes DIR/virtuoso.ini (a new, empty database in DIR; both ports on 127.0.0.1) and runs
# virtuoso-t in the foreground. Endpoints, once the log says "Server online":
#   http://127.0.0.1:HTTP_PORT/sparql                     SPARQL 1.1 query (anonymous, read-only)
#   http://127.0.0.1:HTTP_PORT/sparql-graph-crud-auth     Graph Store Protocol, HTTP digest auth dba/dba
# A fresh database's dba password is "dba": fine for a server that only loopback can reach.
set -euo pipefail

[ $# -ge 2 ] || { sed -n '2,11p' "$0"; exit 2; }
DIR=$(mkdir -p "$1" && cd "$1" && pwd)
HTTP_PORT=$2
SQL_PORT=${3:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
VIRTUOSO=$(command -v virtuoso-t || true)
[ -n "$VIRTUOSO" ] || { echo "virtuoso-server: virtuoso-t not found: apt-get install virtuoso-opensource (or make servers)" >&2; exit 3; }
VSP=/var/lib/virtuoso-opensource-7/vsp
[ -d "$VSP" ] || VSP=$DIR

cat > "$DIR/virtuoso.ini" <<EOF
[Database]
DatabaseFile       = $DIR/virtuoso.db
ErrorLogFile       = $DIR/virtuoso.log
LockFile           = $DIR/virtuoso.lck
TransactionFile    = $DIR/virtuoso.trx
xa_persistent_file = $DIR/virtuoso.pxa
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = $DIR/virtuoso-temp.db
TransactionFile    = $DIR/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort         = 127.0.0.1:$SQL_PORT
DisableUnixSocket  = 1
CheckpointInterval = 0
NumberOfBuffers    = 10000
MaxDirtyBuffers    = 6000
DirsAllowed        = .
CaseMode           = 2

[HTTPServer]
ServerPort           = 127.0.0.1:$HTTP_PORT
ServerRoot           = $VSP
ServerThreads        = 4
MaxClientConnections = 4
Charset              = UTF-8

[SPARQL]
ResultSetMaxRows      = 1000000
MaxQueryExecutionTime = 120
EOF

cd "$DIR"
exec "$VIRTUOSO" +foreground +configfile "$DIR/virtuoso.ini"
