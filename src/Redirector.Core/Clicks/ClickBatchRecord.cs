namespace Redirector.Clicks;

/// <summary>
/// The spool's record of a <see cref="ClickBatch"/> (docs/click-pipeline.md). Its first field is the format's
/// version, and <see cref="Read"/> is its one decoder: a change that could meet records already spooled gets a new
/// version and a decoder for the old one beside it. Values are written with their dimension's Redis prefix rather
/// than by position, so that adding a row to <see cref="Dimensions"/> needs no new version.
/// </summary>
public static class ClickBatchRecord
{
    public const int Version = 2;

    private const byte BotFlag = 1;
    private const byte LinkFlag = 2;

    public static void Write(BinaryWriter writer, ClickBatch batch)
    {
        writer.Write(Version);
        writer.Write(batch.Node);
        writer.Write(batch.Sequence);
        writer.Write(batch.Groups.Count);
        foreach (var group in batch.Groups)
        {
            var shape = group.Shape;
            writer.Write(shape.Day);
            writer.Write((byte)shape.Hour);
            writer.Write((byte)((shape.IsBot ? BotFlag : 0) | (shape.LinkId is null ? 0 : LinkFlag)));
            if (shape.LinkId is { } link)
                writer.Write(link);
            var values = shape.Values;
            var count = 0;
            foreach (var value in values)
                count += value is null ? 0 : 1;
            writer.Write(count);
            for (var i = 0; i < values.Length; i++)
            {
                if (values[i] is not { } value)
                    continue;
                writer.Write(Dimensions.All[i].Prefix);
                writer.Write(value);
            }
            writer.Write(group.Times.Count);
            foreach (var time in group.Times)
                writer.Write(time.Ticks);
            writer.Write(group.Visitors.Count);
            foreach (var visitor in group.Visitors)
                writer.Write(visitor);
        }
        writer.Write(batch.PageViews.Count);
        foreach (var view in batch.PageViews)
        {
            writer.Write(view.Day);
            writer.Write(view.Page);
            writer.Write(view.Views);
        }
    }

    /// <summary>Throws <see cref="InvalidDataException"/> for a version it does not know.</summary>
    public static ClickBatch Read(BinaryReader reader)
    {
        var version = reader.ReadInt32();
        if (version != Version)
            throw new InvalidDataException($"Spool record version {version} is not supported (this build reads version {Version})");
        var node = reader.ReadString();
        var sequence = reader.ReadInt64();
        var groups = new ClickGroup[reader.ReadInt32()];
        for (var g = 0; g < groups.Length; g++)
        {
            var day = reader.ReadString();
            var hour = reader.ReadByte();
            var flags = reader.ReadByte();
            long? link = (flags & LinkFlag) != 0 ? reader.ReadInt64() : null;
            var values = new string?[Dimensions.Count];
            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                var prefix = reader.ReadString();
                var value = reader.ReadString();
                // A row removed from the table since the record was written is no longer counted.
                if (Dimensions.ByPrefix(prefix) is { } dimension)
                    values[dimension.Index] = value;
            }
            var group = new ClickGroup(new ClickShape(day, hour, link, (flags & BotFlag) != 0, values));
            var times = reader.ReadInt32();
            for (var i = 0; i < times; i++)
                group.Times.Add(new DateTime(reader.ReadInt64(), DateTimeKind.Utc));
            var visitors = reader.ReadInt32();
            for (var i = 0; i < visitors; i++)
                group.Visitors.Add(reader.ReadUInt64());
            groups[g] = group;
        }
        var views = new PageViewCount[reader.ReadInt32()];
        for (var i = 0; i < views.Length; i++)
            views[i] = new PageViewCount(reader.ReadString(), reader.ReadString(), reader.ReadInt32());
        return new ClickBatch(node, sequence, groups, views);
    }
}
