#!/usr/bin/env bash
# Translation catalogs: `scripts/i18n.sh update` extracts every translatable string into
# locales/messages.pot and merges it into each language's messages.po; translators then fill the
# new entries. `scripts/i18n.sh check` fails when a catalog misses or marks fuzzy any message.
# Catalogs are compiled in memory when the bot starts: there is no compile step.
set -euo pipefail
cd "$(dirname "$0")/.."
LANGS=(zh_CN es vi tr de pt_BR hi)

extract() {
  pybabel extract -F babel.cfg -k lazy_gettext -k ngettext:1,2 --add-comments=I18N: \
    --project=srm-bot --copyright-holder="SRM bot authors" --sort-by-file -o locales/messages.pot . >/dev/null
}

case "${1:-update}" in
  update)
    extract
    for lang in "${LANGS[@]}"; do
      if [ -f "locales/$lang/LC_MESSAGES/messages.po" ]; then
        pybabel update -i locales/messages.pot -d locales -l "$lang" --no-fuzzy-matching --ignore-obsolete >/dev/null
      else
        pybabel init -i locales/messages.pot -d locales -l "$lang" >/dev/null
      fi
    done
    echo "catalogs updated: ${LANGS[*]}"
    ;;
  check)
    python -m pytest -q tests/test_i18n.py
    ;;
  *)
    echo "usage: scripts/i18n.sh [update|check]" >&2
    exit 2
    ;;
esac
