# Sourced by bench/startup.sh and bench/spread.sh: the builds named on their command line.
# named_builds ARG...: sets the array `apps` to "name=/absolute/path.dll[,VAR=value...]" for each name=path[,settings]
# given, the path made absolute since each build starts in its own folder.
named_builds() {
  apps=()
  local app name rest dll settings
  for app in "$@"; do
    name=${app%%=*} rest=${app#*=}
    dll=${rest%%,*} settings=${rest#"$dll"}
    apps+=("$name=$(realpath -m "$dll")$settings")
  done
}
