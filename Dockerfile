# One image for every CryptoStreams service (extract, process, load, db migrate, up): the compose file picks the
# subcommand. Multi-stage: the SDK image builds, the ASP.NET runtime image (the management API needs it) runs.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# npm: the CLI build installs the dashboard's charting library from src/Cli/Dashboard/web/package-lock.json (npm ci).
RUN apt-get update && apt-get install -y --no-install-recommends npm && rm -rf /var/lib/apt/lists/*
# Restore first, from the project files only, so a code change does not re-download packages.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Schema/CryptoStreams.Schema.csproj src/Schema/
COPY src/Extractors/CryptoStreams.Extractors.csproj src/Extractors/
COPY src/Topology/CryptoStreams.Topology.csproj src/Topology/
COPY src/Loader/CryptoStreams.Loader.csproj src/Loader/
COPY src/Broker/CryptoStreams.Broker.csproj src/Broker/
COPY src/Archive/CryptoStreams.Archive.csproj src/Archive/
COPY src/Cli/CryptoStreams.Cli.csproj src/Cli/
RUN dotnet restore src/Cli/CryptoStreams.Cli.csproj -r linux-x64
COPY src/ src/
RUN dotnet publish src/Cli/CryptoStreams.Cli.csproj -c Release -r linux-x64 --self-contained false --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
RUN printf '#!/bin/sh\nexec dotnet /app/cryptostreams.dll "$@"\n' > /usr/local/bin/cryptostreams \
 && chmod 755 /usr/local/bin/cryptostreams \
 && mkdir -p /var/lib/cryptostreams && chown app:app /var/lib/cryptostreams
# Streamiz state stores (RocksDB) live here; the compose file mounts a volume.
ENV CRYPTOSTREAMS__Topology__StateDir=/var/lib/cryptostreams/state
USER app
ENTRYPOINT ["cryptostreams"]
CMD ["--help"]
