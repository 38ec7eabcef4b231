# Multi-stage build of Redirector. The build stage needs Node.js only to fetch, with npm, the pinned ua-parser
# rules (uap-core, embedded into the assembly) and country database (geo-whois-asn-country, copied to Geo/);
# the runtime image has neither SDK nor Node.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# For this platform's runtime identifier: ReadyToRun (Redirector.csproj) needs one, and the output then holds only this
# platform's libduckdb (68 MB, not 315 MB). Framework-dependent: the runtime image brings .NET.
RUN dotnet publish src/Redirector -c Release --use-current-runtime --self-contained false -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# data/ holds this node's spool, id and event store (events.duckdb); mount a volume there so a restart replays
# spooled clicks and keeps the events.
RUN mkdir -p /app/data && chown app /app/data
USER app
ENV ASPNETCORE_URLS=http://+:8080
EXPOSE 8080
# Orchestrators probe GET /healthz (process serves) and GET /readyz (catalogue answers; analytics state).
ENTRYPOINT ["dotnet", "Redirector.dll"]
