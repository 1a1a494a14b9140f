using CryptoStreams.Cli;

return await CliApplication.Create().Parse(args).InvokeAsync().ConfigureAwait(false);
