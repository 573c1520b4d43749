#!/usr/bin/env bash
# Elastic's minimal distribution (integ-test-zip) from Maven Central, for the tests' real Elasticsearch nodes.
# Installs into $MOA_ES_HOME (default /opt/moa-es/elasticsearch-$VERSION) and makes the non-root user that
# runs it (Elasticsearch refuses to run as root). Idempotent: a second run only checks.
# Maven Central carries no 9.x integ-test-zip, so this is 8.x: it runs on Java 17+ and pairs with the 8.x client.
set -euo pipefail

VERSION="${MOA_ES_VERSION:-8.19.21}"
ES_HOME="${MOA_ES_HOME:-/opt/moa-es/elasticsearch-$VERSION}"
ES_USER="${MOA_ES_USER:-moaes}"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

# A JDK Elasticsearch 8.19 is tested on (17 or 21); install Debian's 17 if neither is there.
if ! ls -d /usr/lib/jvm/java-17-openjdk-* /usr/lib/jvm/java-21-openjdk-* >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null
fi

if ! id "$ES_USER" >/dev/null 2>&1; then
  $SUDO useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
fi

if [ ! -x "$ES_HOME/bin/elasticsearch" ]; then
  need=()
  command -v mvn >/dev/null 2>&1 || need+=(maven)
  command -v unzip >/dev/null 2>&1 || need+=(unzip)
  if [ ${#need[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
    -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$VERSION:zip" \
    -DoutputDirectory="$tmp" -Dmdep.useBaseVersion=true -Dstyle.color=never
  $SUDO mkdir -p "$(dirname "$ES_HOME")"
  (cd "$tmp" && unzip -q "elasticsearch-$VERSION.zip")
  rm -rf "$ES_HOME.partial"
  $SUDO mv "$tmp/elasticsearch-$VERSION" "$ES_HOME.partial"
  $SUDO mv "$ES_HOME.partial" "$ES_HOME"   # rename last: a half-unpacked tree is never taken for a good one
fi
# Readable by the node's user; each node gets its own config, data and log folders at run time.
$SUDO chmod -R a+rX "$ES_HOME"
echo "elasticsearch $VERSION at $ES_HOME (run as $ES_USER)"
